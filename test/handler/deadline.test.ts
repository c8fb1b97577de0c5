/**
 * Every wait of the built default handler ends before the function's timeout: with the proxy
 * frozen, its pool exhausted, PostgreSQL down behind it, or the secret or key endpoint hanging,
 * the answer is the handler's own JSON 503 with `retry-after`, at least a second before Lambda
 * would cut the invocation (the harness's containers enforce the timeout as Lambda does). The
 * time bounds asserted here are that behaviour; speed is measured by `npx projen bench`.
 */
import { Client } from 'pg';
import { ensureBundle } from '../harness/bundle';
import { sessionToken } from '../harness/clerk';
import { ApiResponse, LambdaProcess } from '../harness/lambda';
import { trackSecret } from '../harness/leaks';
import { PgBouncer } from '../harness/pgbouncer';
import { pgbouncerUnavailable, TestStack } from '../harness/stack';
import { BlackHole, sleep } from '../harness/util';

jest.setTimeout(40000);

const TIMEOUT_MS = 4000;
/** The latest an answer may come: one second before the function's timeout. */
const BOUND_MS = TIMEOUT_MS - 1000;
const NO_PGBOUNCER = pgbouncerUnavailable();
const describeIf = NO_PGBOUNCER ? describe.skip : describe;
if (NO_PGBOUNCER) {
  console.warn(`SKIPPED deadline tests: ${NO_PGBOUNCER}`);
}

let stack: TestStack;
let hole: BlackHole;

beforeAll(async () => {
  ensureBundle();
  stack = await TestStack.start({ pgbouncer: !NO_PGBOUNCER });
  hole = await BlackHole.start();
}, 180000);

afterAll(async () => {
  await hole?.stop();
  await stack?.destroy();
});

const viaBouncer = (bouncer: PgBouncer | undefined = stack.pgbouncer, timeoutMs = TIMEOUT_MS) =>
  ({ DB_HOST: 'localhost', DB_PORT: String(bouncer!.port), FUNCTION_TIMEOUT_MS: String(timeoutMs) });
const bearer = () => ({ Authorization: `Bearer ${trackSecret('session token', sessionToken(stack.key))}` });

/** The response and how long it took, seen from outside the container. */
async function timed(l: LambdaProcess, path: string, headers: Record<string, string> = {}): Promise<{ res: ApiResponse; ms: number }> {
  const started = Date.now();
  const res = stack.record(await l.request('GET', path, headers));
  return { res, ms: Date.now() - started };
}

function expectTimely503(outcome: { res: ApiResponse; ms: number }, reason: string, boundMs = BOUND_MS): void {
  expect(outcome.res.statusCode).toBe(503);
  expect(outcome.res.json).toEqual({ error: 'service_unavailable', reason });
  expect(outcome.res.headers['retry-after']).toBe('1');
  expect(outcome.ms).toBeLessThanOrEqual(boundMs);
}

describeIf('the proxy frozen (SIGSTOP: connections accepted, nothing answered)', () => {
  test('a warm container → 503 before the deadline, direct invocation too; thawed → 200', async () => {
    const fn = await stack.lambda(viaBouncer());
    expect((await timed(fn, '/health')).res.statusCode).toBe(200);
    stack.pgbouncer!.freeze();
    try {
      expectTimely503(await timed(fn, '/health'), 'database-unavailable');
      expectTimely503(await timed(fn, '/me', bearer()), 'database-unavailable');
      const started = Date.now();
      expect(stack.record(await fn.invoke({}))).toEqual({ status: 'error', error: 'database-unavailable' });
      expect(Date.now() - started).toBeLessThanOrEqual(BOUND_MS);
    } finally {
      stack.pgbouncer!.thaw();
    }
    expect((await timed(fn, '/health')).res.statusCode).toBe(200);
    expect(fn.alive).toBe(true);
  });

  test('a cold container: its connection attempts share the budget → 503 before the deadline', async () => {
    stack.pgbouncer!.freeze();
    try {
      const fn = await stack.lambda(viaBouncer());
      expectTimely503(await timed(fn, '/health'), 'database-unavailable');
      // Two attempts, each cut at its share of the time left.
      expect(fn.logs.filter((l) => l.includes('"event":"db.connection-lost-retrying"'))).toHaveLength(1);
    } finally {
      stack.pgbouncer!.thaw();
    }
  });

  test('the deadline follows the function timeout: 10 s (the default) → 503 by 9 s', async () => {
    const fn = await stack.lambda(viaBouncer(stack.pgbouncer, 10000));
    expect((await timed(fn, '/health')).res.statusCode).toBe(200);
    stack.pgbouncer!.freeze();
    try {
      const outcome = await timed(fn, '/health');
      expectTimely503(outcome, 'database-unavailable', 9000);
      // It used the budget rather than giving up early.
      expect(outcome.ms).toBeGreaterThan(5000);
    } finally {
      stack.pgbouncer!.thaw();
    }
  });

  test('a context with less time left than FUNCTION_TIMEOUT_MS: the smaller wins', async () => {
    const fn = await stack.lambda({ ...viaBouncer(stack.pgbouncer, 10000), SLP_LAMBDA_TIMEOUT_MS: '3000' });
    expect((await timed(fn, '/health')).res.statusCode).toBe(200);
    stack.pgbouncer!.freeze();
    try {
      expectTimely503(await timed(fn, '/health'), 'database-unavailable', 2000);
    } finally {
      stack.pgbouncer!.thaw();
    }
  });
});

describeIf('the proxy\'s pool exhausted (one server connection, held by another client)', () => {
  let small: PgBouncer;
  let blocker: Client | undefined;

  beforeAll(async () => {
    small = await PgBouncer.start(stack.db, stack.certs, { poolSize: 1 });
  });

  afterAll(async () => {
    await small?.stop();
  });

  test('a request waiting for a server connection → 503 before the deadline; freed → 200', async () => {
    const fn = await stack.lambda(viaBouncer(small));
    expect((await timed(fn, '/health')).res.statusCode).toBe(200);
    blocker = new Client({
      host: 'localhost',
      port: small.port,
      user: stack.db.user,
      password: stack.db.password,
      database: stack.db.database,
      ssl: { ca: stack.certs.caPem },
    });
    await blocker.connect();
    const held = blocker.query('SELECT pg_sleep(30)').catch(() => undefined);
    try {
      expectTimely503(await timed(fn, '/health'), 'database-unavailable');
    } finally {
      await stack.db.adminQuery("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)'");
      await held;
      await blocker.end();
    }
    expect((await timed(fn, '/health')).res.statusCode).toBe(200);
  });
});

describeIf('PostgreSQL down behind the proxy (the pooler retries its server login)', () => {
  test('warm and cold containers → 503 before the deadline; back up → 200', async () => {
    const warm = await stack.lambda(viaBouncer());
    expect((await timed(warm, '/health')).res.statusCode).toBe(200);
    await stack.db.stopServer();
    try {
      expectTimely503(await timed(warm, '/health'), 'database-unavailable');
      const cold = await stack.lambda(viaBouncer());
      expectTimely503(await timed(cold, '/me', bearer()), 'database-unavailable');
    } finally {
      await stack.db.startServer();
    }
    // The pooler waits out its own server_login_retry (15 s) before it tries the server again;
    // the container recovers as soon as it does.
    let status = 0;
    for (let attempt = 0; attempt < 25 && status !== 200; attempt++) {
      status = (await timed(warm, '/health')).res.statusCode;
      if (status !== 200) {
        await sleep(1000);
      }
    }
    expect(status).toBe(200);
    expect(warm.alive).toBe(true);
  }, 60000);
});

describe('an endpoint that accepts and never answers', () => {
  test('Secrets Manager: a cold container → 503 secret-unavailable before the deadline', async () => {
    const before = hole.connections;
    const fn = await stack.lambda({ AWS_ENDPOINT_URL_SECRETS_MANAGER: hole.url, FUNCTION_TIMEOUT_MS: String(TIMEOUT_MS) });
    expectTimely503(await timed(fn, '/health'), 'secret-unavailable');
    expect(hole.connections).toBeGreaterThan(before);
    expect(fn.alive).toBe(true);
  });

  test('Clerk\'s JWKS endpoint: /me → 503 jwks-unavailable before the deadline', async () => {
    const fn = await stack.lambda({
      CLERK_JWT_KEY: undefined, CLERK_SECRET_KEY_ARN: stack.clerkSecretArn, CLERK_API_URL: hole.url, FUNCTION_TIMEOUT_MS: String(TIMEOUT_MS),
    });
    const outcome = await timed(fn, '/me', bearer());
    expect(outcome.res.statusCode).toBe(503);
    expect(outcome.res.json).toEqual({ error: 'auth_unavailable', reason: 'jwks-unavailable' });
    expect(outcome.res.headers['retry-after']).toBe('1');
    expect(outcome.ms).toBeLessThanOrEqual(BOUND_MS);
  });
});

describe('hygiene', () => {
  test('no token, secret, password or private key in any response or log line', () => {
    // The check reads what the functions wrote: without lines it would pass on nothing.
    expect(stack.allLogLines().length).toBeGreaterThan(5);
    expect(stack.leaks()).toEqual([]);
  });

  test('every log line is one structured JSON object without a stack trace', () => {
    expect(stack.unstructuredLogLines()).toEqual([]);
  });
});
