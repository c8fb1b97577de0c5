import { randomBytes } from 'crypto';
import { functionLogin, RunningBackend } from './backend';
import { brief, Check, HttpCall, Result } from './checks';
import { LocalLogin } from './roles';
import { LocalStack } from './stack';
import { ROUTES } from '../../contract';
import { signRdsIamToken } from '../../runtime/iam-token';
import { Placement } from '../platform/placement';
import { HttpResult, probeFrom } from '../platform/probe';

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The same login with a new password, in its secret's value too: a rotation. */
function rotated(login: LocalLogin): LocalLogin {
  const password = randomBytes(24).toString('base64url');
  return { ...login, password, secret: JSON.stringify({ ...JSON.parse(login.secret), password }) };
}

/** After the secret was updated, how many requests (one every 250 ms) may pass before one answers 200. */
const ROTATION_ATTEMPTS = 40;

/**
 * Faults done to the running backend, each followed by its repair, with `/health` through the API
 * before, during and after: a dependency that hangs or is gone must give the handler's JSON 503
 * within the function's timeout, and the first request after the repair must answer 200. The
 * details report the measured times.
 */
export function faultChecks(b: RunningBackend, stack: LocalStack, call: HttpCall, proxyClient: Placement): Check[] {
  const timeoutMs = b.spec.function.timeoutSeconds * 1000;
  const health = () => call(`${b.apiUrl}${ROUTES.HEALTH.slice(1)}`);
  const unavailable = (r: HttpResult) => r.status === 503 && r.json.error === 'service_unavailable' && r.ms < timeoutMs;
  const during = (r: HttpResult) => `during: ${r.status} ${JSON.stringify(r.json)} in ${seconds(r.ms)} (the function's timeout is ${seconds(timeoutMs)})`;
  /** `repair` may say what ending the fault took. */
  const fault = (name: string, inject: () => Promise<void>, repair: () => Promise<string | void>): Check => ({
    name,
    run: async (): Promise<Result> => {
      const before = await health();
      if (before.status !== 200) return { ok: false, detail: `before the fault: ${brief(before)}` };
      await inject();
      let r: HttpResult;
      let repaired: string | void;
      try {
        r = await health();
      } finally {
        repaired = await repair();
      }
      const after = await health();
      return { ok: unavailable(r) && after.status === 200, detail: `${during(r)}; ${repaired ? `${repaired}; ` : ''}the first request after it ended: ${brief(after)}` };
    },
  });
  const checks: Check[] = [];
  const proxy = b.parts.pgbouncer;
  if (proxy) {
    checks.push(fault('fault: the proxy frozen (SIGSTOP) → JSON 503 within the timeout, then 200',
      async () => void process.kill(proxy.pid, 'SIGSTOP'),
      async () => void process.kill(proxy.pid, 'SIGCONT')));
  }
  checks.push(fault(`fault: PostgreSQL stopped${proxy ? ' behind the proxy' : ''} → JSON 503 within the timeout, then 200`,
    () => b.parts.postgres.stop(),
    async () => {
      const stopped = performance.now();
      b.parts.postgres = await b.parts.postgres.restart();
      const back = `PostgreSQL started again in ${seconds(performance.now() - stopped)}`;
      if (!b.proxy) return back;
      // The fault ends when the proxy serves again: PgBouncer turns clients away until its next
      // server login succeeds, which a client's attempt starts (RDS Proxy checks its target itself).
      const login = functionLogin(b);
      // With IAM authentication the proxy takes a token signed as the function signs them.
      const password = b.roles?.spec.appAuth === 'iam'
        ? signRdsIamToken({ hostname: b.proxy.host, port: b.proxy.port, username: login.user, region: stack.region, credentials: stack.credentials })
        : login.password;
      const client = { ...b.proxy, user: login.user, password, database: b.database.name, caFile: stack.caFile };
      const ms = await probeFrom<number | undefined>(proxyClient, { kind: 'sql', client, timeoutMs: 10_000 });
      return `${back}, the proxy serving again ${ms === undefined ? 'NOT within 10 s' : `${ms} ms later`}`;
    }));
  const app = b.roles?.app;
  // With IAM authentication the app role has no secret to rotate.
  if (!app || b.roles?.spec.appAuth === 'iam') return checks;
  checks.push({
    name: `fault: the ${app.user} role's password rotated in PostgreSQL, then in Secrets Manager → 200 again, no restart`,
    run: async () => {
      const before = await health();
      if (before.status !== 200) return { ok: false, detail: `before the rotation: ${brief(before)}` };
      const next = rotated(app);
      await b.parts.postgres.setPassword(next.user, next.password);
      // Sessions outlive a password change: ended (as a failover would end them), the next logins need the new one.
      await b.parts.postgres.endSessions(next.user);
      const lagging = await health();
      await stack.putSecret(next.secretArn, next.secret);
      // RDS Proxy reads the new secret too.
      proxy?.setUsers([{ username: next.user, password: next.password }]);
      const updated = performance.now();
      let r: HttpResult | undefined;
      let attempts = 0;
      while (attempts < ROTATION_ATTEMPTS && r?.status !== 200) {
        if (attempts++ > 0) await sleep(250);
        r = await health();
      }
      const detail = `while only PostgreSQL had the new password: ${lagging.status} in ${seconds(lagging.ms)}; after Secrets Manager had it too: `
        + `${r!.status === 200 ? `200 after ${attempts} request${attempts === 1 ? '' : 's'}, ${seconds(performance.now() - updated)}` : `still ${brief(r!)} after ${attempts} requests`}`;
      return { ok: r!.status === 200 && (lagging.status === 200 || unavailable(lagging)), detail };
    },
  });
  return checks;
}
