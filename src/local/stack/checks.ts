import { generateKeyPairSync } from 'crypto';
import { RunningBackend } from './backend';
import { localSigningKey, sessionToken, tokenDefaults } from './clerk';
import { ROUTES } from '../../contract';
import { oneLine } from '../../io';
import { Placement } from '../platform/placement';
import { HttpResult, probeFrom } from '../platform/probe';

export interface Result {
  readonly ok: boolean;
  readonly detail: string;
}

export interface Check {
  readonly name: string;
  run(): Promise<Result>;
}

/** An HTTP request made from somewhere: this process on loopback, or the `internet` namespace. */
export type HttpCall = (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }) => Promise<HttpResult>;

/** HTTP requests made from `placement` (a probe process in its namespace when isolated). */
export function httpFrom(placement: Placement): HttpCall {
  return (url, init = {}) => probeFrom<HttpResult>(placement, { kind: 'http', url, ...init, timeoutMs: 35_000 });
}

export const brief = (r: HttpResult) => `${r.status} ${JSON.stringify(r.json).slice(0, 90)} (${r.ms.toFixed(1)} ms)`;

/** Test case 1 (direct invocation → SELECT NOW() through the proxy) and the HTTP contract of the default handler. */
export function contractChecks(b: RunningBackend, call: HttpCall): Check[] {
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
 * "no session pinned": the sessions the local RDS Proxy pinned while the checks ran. Pinning
 * fails the run with `--pinning fail`; with `warn` (the default) it is reported and passes.
 */
export function pinningCheck(b: RunningBackend, policy: 'warn' | 'fail'): Check {
  return {
    name: 'no session pinned (RDS Proxy multiplexes every transaction)',
    run: async () => {
      const proxy = b.parts.pgbouncer;
      if (!proxy) return { ok: true, detail: 'no proxy runs (--proxy none): not observed' };
      const pinned = proxy.pinned;
      if (pinned.length === 0) return { ok: true, detail: 'none' };
      const first = pinned[0];
      const detail = `${pinned.length} pinned, first by ${first.kind}: ${first.excerpt}`;
      return { ok: policy === 'warn', detail: policy === 'warn' ? `warning (--pinning warn): ${detail}` : detail };
    },
  };
}

/** Checks that run one after the other (`sequential`), or all at once. */
export interface CheckGroup {
  readonly checks: readonly Check[];
  readonly sequential: boolean;
}

export interface Row {
  readonly name: string;
  readonly result: Result;
}

/** Runs the groups side by side; the rows keep the checks' order. */
export async function runChecks(groups: readonly CheckGroup[]): Promise<Row[]> {
  const run = (check: Check) => check.run().catch((err): Result => ({ ok: false, detail: oneLine(err) }));
  const results = await Promise.all(groups.map(async (g) => {
    if (!g.sequential) return Promise.all(g.checks.map(run));
    const out: Result[] = [];
    for (const check of g.checks) out.push(await run(check));
    return out;
  }));
  return groups.flatMap((g, i) => g.checks.map((check, j) => ({ name: check.name, result: results[i][j] })));
}

/** The table of a backend's checks: `name  PASS|FAIL  detail`. */
export function table(title: string, rows: readonly Row[]): string[] {
  const width = Math.max(60, ...rows.map((r) => r.name.length + 1));
  return ['', title, `${'check'.padEnd(width)} result  detail`, ...rows.map(({ name, result }) => `${name.padEnd(width)} ${result.ok ? 'PASS  ' : 'FAIL  '}  ${result.detail}`)];
}
