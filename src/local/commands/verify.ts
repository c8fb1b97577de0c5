import { generateKeyPairSync } from 'crypto';
import { ROUTES } from '../../contract';
import { RunningBackend } from '../backend';
import { localSigningKey, sessionToken } from '../clerk';
import { oneLine } from '../errors';
import { Supervisor } from '../supervisor';
import { stackOptions } from './options';
import { firstHealth, Say, startAndDescribe } from './startup';
import { tokenDefaults } from './token';

interface Result {
  readonly ok: boolean;
  readonly detail: string;
}

interface Check {
  readonly name: string;
  run(): Promise<Result>;
}

async function call(url: string, init: RequestInit = {}): Promise<{ status: number; json: Record<string, any>; ms: number }> {
  const started = performance.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(35_000) });
  const text = await res.text();
  let json: Record<string, any> = {};
  try {
    json = JSON.parse(text) as Record<string, any>;
  } catch {
    json = { body: text.slice(0, 80) };
  }
  return { status: res.status, json, ms: performance.now() - started };
}

const brief = (r: { status: number; json: Record<string, any>; ms: number }) => `${r.status} ${JSON.stringify(r.json).slice(0, 90)} (${r.ms.toFixed(1)} ms)`;

/** The seed's test case 1 (direct invocation → SELECT NOW()) and the HTTP contract of the default handler. */
function checksFor(b: RunningBackend): Check[] {
  const claims = tokenDefaults(b.spec);
  const key = localSigningKey();
  const sub = 'user_local_verify';
  const token = sessionToken(key, { ...claims, sub, ttlSeconds: 60 });
  const forged = sessionToken(key, { ...claims, sub, ttlSeconds: 60 }, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  const me = (authorization?: string) => call(`${b.apiUrl}${ROUTES.ME.slice(1)}`, { headers: authorization ? { authorization } : {} });
  const stage = `/${b.spec.api.stageName}`;
  return [
    {
      name: 'invoke {} (test case 1: SELECT NOW() through the proxy)',
      run: async () => {
        const r = await call(`${b.lambdaUrl}/2015-03-31/functions/${b.spec.function.logicalId}/invocations`, { method: 'POST', body: '{}' });
        return { ok: r.status === 200 && r.json.status === 'ok' && !Number.isNaN(Date.parse(r.json.now)), detail: brief(r) };
      },
    },
    {
      name: `GET ${stage}${ROUTES.HEALTH}`,
      run: async () => {
        const r = await call(`${b.apiUrl}${ROUTES.HEALTH.slice(1)}`);
        return { ok: r.status === 200 && !Number.isNaN(Date.parse(r.json.now)), detail: brief(r) };
      },
    },
    {
      name: `GET ${stage}${ROUTES.ME} without a token`,
      run: async () => {
        const r = await me();
        return { ok: r.status === 401 && r.json.reason === 'missing-token', detail: brief(r) };
      },
    },
    {
      name: `GET ${stage}${ROUTES.ME} with a local token`,
      run: async () => {
        const r = await me(`Bearer ${token}`);
        return { ok: r.status === 200 && r.json.userId === sub, detail: brief(r) };
      },
    },
    {
      name: `GET ${stage}${ROUTES.ME} with a forged token`,
      run: async () => {
        const r = await me(`Bearer ${forged}`);
        return { ok: r.status === 401, detail: brief(r) };
      },
    },
  ];
}

/**
 * `local verify`: boot the stack (any free ports), run the checks against every backend, print
 * a table ending in `N passed, N failed`, stop everything; exit 1 when a check failed.
 */
export async function verify(argv: readonly string[], say: Say): Promise<number> {
  const { stack: options } = stackOptions('local verify', argv, {}, 0);
  const supervisor = new Supervisor();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void supervisor.stop().finally(() => process.exit(130)));
  }
  const stack = await startAndDescribe(options, supervisor, say);
  let passed = 0;
  let failed = 0;
  try {
    const health = await firstHealth(stack.backends[0].apiUrl);
    say(`ready in ${health.seconds.toFixed(2)} s (first /health answered ${health.status})`);
    // The function's log lines go to the terminal while the checks run; the table comes after.
    const table: string[] = [];
    for (const b of stack.backends) {
      table.push('', b.spec.name, `${'check'.padEnd(60)} result  detail`);
      for (const check of checksFor(b)) {
        const result = await check.run().catch((err): Result => ({ ok: false, detail: oneLine(err) }));
        result.ok ? passed++ : failed++;
        table.push(`${check.name.padEnd(60)} ${result.ok ? 'PASS  ' : 'FAIL  '}  ${result.detail}`);
      }
    }
    await supervisor.stop();
    table.forEach((line) => say(line));
  } finally {
    await supervisor.stop();
  }
  say(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}
