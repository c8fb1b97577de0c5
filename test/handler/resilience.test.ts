/**
 * Failure and recovery of the built default handler against real components: connections dropped
 * while a container is frozen, the database going away and coming back, an unreadable secret, and
 * PgBouncer in transaction mode (the local stand-in for RDS Proxy). Password rotation is in
 * rotation.test.ts, bounded waits in deadline.test.ts.
 */
import { ensureBundle } from '../harness/bundle';
import { claimsOf, sessionToken } from '../harness/clerk';
import { newPassword } from '../harness/database';
import { ApiResponse, LambdaProcess } from '../harness/lambda';
import { trackSecret } from '../harness/leaks';
import { runtimeDatabase } from '../harness/runtime-db';
import { pgbouncerUnavailable, TestStack, testIf } from '../harness/stack';
import { sleep } from '../harness/util';

jest.setTimeout(30000);
// The in-process runtime helper test below logs through the same logger: keep jest's output quiet.
process.env.AWS_LAMBDA_LOG_LEVEL = 'error';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let stack: TestStack;

async function call(l: LambdaProcess, method: string, path: string, headers: Record<string, string> = {}): Promise<ApiResponse> {
  return stack.record(await l.request(method, path, headers));
}

const logged = (l: LambdaProcess, event: string) => l.logs.filter((line) => line.includes(`"event":"${event}"`)).length;

// Decided before anything starts (the backend choice is synchronous), so jest reports these as
// skipped rather than passed, and the reason is printed.
const NO_PGBOUNCER = pgbouncerUnavailable();

beforeAll(async () => {
  ensureBundle();
  stack = await TestStack.start({ pgbouncer: !NO_PGBOUNCER });
  console.log(`resilience tests: pgbouncer = ${stack.pgbouncer ? 'yes' : `no (${NO_PGBOUNCER})`}`);
}, 180000);

afterAll(async () => {
  await stack?.destroy();
});

describe('connections that die between requests', () => {
  test('dropped while idle: the pool error is handled, the process survives, the next request reconnects', async () => {
    const fn = await stack.lambda();
    expect((await call(fn, 'GET', '/health')).statusCode).toBe(200);
    expect(await stack.db.dropAppConnections()).toBeGreaterThanOrEqual(1);
    await sleep(300); // let the socket close reach the idle client
    expect(fn.alive).toBe(true);
    expect(logged(fn, 'db.idle-connection-error')).toBe(1);
    const res = await call(fn, 'GET', '/health');
    expect(res.statusCode).toBe(200);
    expect(fn.alive).toBe(true);
  });

  test('dropped while the container is frozen (SIGSTOP): the thawed request still gets 200', async () => {
    const fn = await stack.lambda();
    const t = trackSecret('session token', sessionToken(stack.key));
    for (let round = 0; round < 3; round++) {
      expect((await call(fn, 'GET', '/health')).statusCode).toBe(200);
      fn.freeze();
      expect(await stack.db.dropAppConnections()).toBeGreaterThanOrEqual(1);
      await sleep(100);
      fn.thaw();
      const res = await call(fn, 'GET', '/me', { Authorization: `Bearer ${t}` });
      expect(res.statusCode).toBe(200);
      expect(res.json.userId).toBe(claimsOf(t).sub);
    }
    expect(fn.alive).toBe(true);
    // Whichever the event loop saw first after the thaw, the pool's idle-error handler or the
    // failed query's reconnect-and-retry, every round recovered without a 5xx.
    expect(logged(fn, 'db.idle-connection-error') + logged(fn, 'db.connection-lost-retrying')).toBeGreaterThanOrEqual(3);
  });
});

describe('dependencies unavailable', () => {
  test('database down → 503 (HTTP) / { status: error } (direct); back up → 200 in the same container', async () => {
    const fn = await stack.lambda();
    expect((await call(fn, 'GET', '/health')).statusCode).toBe(200);
    await stack.db.stopServer();
    try {
      const started = Date.now();
      const res = await call(fn, 'GET', '/health');
      expect(res.statusCode).toBe(503);
      expect(res.json).toEqual({ error: 'service_unavailable', reason: 'database-unavailable' });
      expect(res.headers['retry-after']).toBe('1');
      const me = await call(fn, 'GET', '/me', { Authorization: `Bearer ${trackSecret('session token', sessionToken(stack.key))}` });
      expect(me.statusCode).toBe(503);
      expect(stack.record(await fn.invoke({}))).toEqual({ status: 'error', error: 'database-unavailable' });
      expect(Date.now() - started).toBeLessThan(10000);
      // A cold container fails the same way, without throwing.
      const cold = await stack.lambda();
      expect(stack.record(await cold.invoke({}))).toEqual({ status: 'error', error: 'database-unavailable' });
    } finally {
      await stack.db.startServer();
    }
    expect((await call(fn, 'GET', '/health')).statusCode).toBe(200);
    expect(fn.alive).toBe(true);
  });

  test('database secret unreadable → 503 secret-unavailable; not cached: readable again → 200', async () => {
    stack.sm.fail(stack.dbSecretArn, 'AccessDeniedException');
    let fn: LambdaProcess;
    try {
      fn = await stack.lambda();
      const res = await call(fn, 'GET', '/health');
      expect(res.statusCode).toBe(503);
      expect(res.json).toEqual({ error: 'service_unavailable', reason: 'secret-unavailable' });
      expect(stack.record(await fn.invoke({}))).toEqual({ status: 'error', error: 'secret-unavailable' });
    } finally {
      stack.sm.heal(stack.dbSecretArn);
    }
    expect((await call(fn, 'GET', '/health')).statusCode).toBe(200);
  });

  test('a missing secret (ResourceNotFoundException) and a secret without a password → 503', async () => {
    const missing = await stack.lambda({ DB_SECRET_ARN: stack.sm.arn('does/not/exist') });
    expect((await call(missing, 'GET', '/health')).json).toEqual({ error: 'service_unavailable', reason: 'secret-unavailable' });
    const arn = stack.sm.arn('app/broken');
    stack.sm.put(arn, JSON.stringify({ username: 'app' }));
    const broken = await stack.lambda({ DB_SECRET_ARN: arn });
    expect((await call(broken, 'GET', '/health')).json).toEqual({ error: 'service_unavailable', reason: 'secret-unavailable' });
  });

  test('IAM mode signs a token instead of reading the secret (rejected by a password-only server → 503)', async () => {
    const before = stack.sm.requests.length;
    const fn = await stack.lambda({ DB_AUTH_MODE: 'iam', DB_USER: 'app', DB_SECRET_ARN: undefined });
    const res = await call(fn, 'GET', '/health');
    expect(res.statusCode).toBe(503);
    expect(stack.sm.requests.length).toBe(before);
    // Two connection attempts, each with a freshly signed token, both rejected by SCRAM.
    expect(logged(fn, 'db.auth-rejected-retrying')).toBe(1);
    expect(logged(fn, 'db.auth-failed')).toBe(1);
  });
});

describe('PgBouncer in transaction mode (stand-in for RDS Proxy)', () => {
  const viaBouncer = () => ({ DB_HOST: 'localhost', DB_PORT: String(stack.pgbouncer!.port) });

  testIf(NO_PGBOUNCER, '/health and /me through the pooler, TLS on both sides', async () => {
    const fn = await stack.lambda(viaBouncer());
    expect((await call(fn, 'GET', '/health')).statusCode).toBe(200);
    const t = trackSecret('session token', sessionToken(stack.key));
    const me = await call(fn, 'GET', '/me', { Authorization: `Bearer ${t}` });
    expect(me.statusCode).toBe(200);
    expect(me.json.userId).toBe(claimsOf(t).sub);
    expect(stack.record(await fn.invoke({}))).toMatchObject({ status: 'ok' });
  });

  testIf(NO_PGBOUNCER, 'server connections killed behind the pooler are invisible to the function', async () => {
    const fn = await stack.lambda(viaBouncer());
    expect((await call(fn, 'GET', '/health')).statusCode).toBe(200);
    // PgBouncer keeps the server connection the request used: at least that one is killed.
    expect(await stack.db.dropAppConnections()).toBeGreaterThanOrEqual(1);
    expect((await call(fn, 'GET', '/health')).statusCode).toBe(200);
    expect(fn.alive).toBe(true);
  });

  testIf(NO_PGBOUNCER, 'runtime helper: unnamed parameterised statements work across pooled server connections', async () => {
    const db = runtimeDatabase(stack, { port: stack.pgbouncer!.port });
    try {
      for (let i = 0; i < 20; i++) {
        const { rows } = await db.query<{ n: number; s: string }>('SELECT $1::int + 1 AS n, $2::text AS s', [i, `v${i}`]);
        expect(rows).toEqual([{ n: i + 1, s: `v${i}` }]);
        if (i % 5 === 4) {
          await stack.db.dropAppConnections();
        }
      }
      expect((await db.now()).getTime()).toBeGreaterThan(Date.now() - 60000);
    } finally {
      await db.end();
    }
  });

  test('runtime helper: the idle connection closes idleTimeoutMillis after its last statement, not its first', async () => {
    const applicationName = `idle-timer-${process.pid}`;
    const db = runtimeDatabase(stack, { idleTimeoutMillis: 800, applicationName });
    const open = async () => (await stack.db.adminQuery<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]))[0].n;
    try {
      await db.now();
      await sleep(500);
      await db.now();
      await sleep(500);
      expect(await open()).toBe(1); // 1 s after the first statement, 0.5 s after the last
      await sleep(900);
      expect(await open()).toBe(0);
      await db.now(); // a new connection is timed again
      expect(await open()).toBe(1);
      await sleep(1300);
      expect(await open()).toBe(0);
    } finally {
      await db.end();
    }
  });

  testIf(NO_PGBOUNCER, 'a wrong password at the pooler → one re-read, then 503', async () => {
    const fn = await stack.lambda(viaBouncer());
    stack.putDbSecret(trackSecret('wrong password', newPassword()));
    try {
      const before = stack.sm.readsOf(stack.dbSecretArn);
      const res = await call(fn, 'GET', '/health');
      expect(res.json).toEqual({ error: 'service_unavailable', reason: 'database-unavailable' });
      expect(stack.sm.readsOf(stack.dbSecretArn) - before).toBe(2);
    } finally {
      stack.putDbSecret(stack.db.password);
    }
  });
});

describe('hygiene', () => {
  test('no token, secret, password or private key in any response or log line', () => {
    expect(stack.allLogLines().length).toBeGreaterThan(10);
    expect(stack.leaks()).toEqual([]);
  });

  test('every log line is one structured JSON object without a stack trace', () => {
    expect(stack.unstructuredLogLines()).toEqual([]);
  });
});
