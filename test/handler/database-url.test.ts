/**
 * `databaseUrl()` and its companions against real PostgreSQL (TLS, SCRAM) and the loopback Secrets
 * Manager: what a URL-reading client (node-postgres, as Drizzle uses it) gets, single-flight secret
 * reads, IAM tokens, and recovery from a password rotated while the container kept the old one.
 */
import { Pool } from 'pg';
import { parse, parseIntoClientConfig } from 'pg-connection-string';
import { ConfigurationError } from '../../src/runtime/config';
import { databaseAuthRejected, databasePassword, databaseUrl, exportDatabaseUrl, withRotationRetry } from '../../src/runtime/database-url';
import { DatabaseUnavailableError } from '../../src/runtime/db-errors';
import { redact } from '../../src/runtime/log';
import { SecretCache } from '../../src/runtime/secrets';
import { newPassword } from '../harness/database';
import { sdkSecrets } from '../harness/runtime-db';
import { stackForTests, TestStack } from '../harness/stack';
import { sleep } from '../harness/util';

jest.setTimeout(30000);
process.env.AWS_LAMBDA_LOG_LEVEL = 'error';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let stack: TestStack;
stackForTests((started) => {
  stack = started;
});

/** A fresh cache per test, so reads are counted from zero. */
function options(extra: { caFile?: string } = {}) {
  return { env: stack.env(), secrets: sdkSecrets(stack), ...extra };
}

/** Kill the app's sessions, and give the pool a moment to see its idle client go. */
async function dropped(): Promise<number> {
  const n = await stack.db.dropAppConnections();
  await sleep(100);
  return n;
}

function pool(url: string, secrets: SecretCache): Pool {
  const p = new Pool({ ...parseIntoClientConfig(url), password: () => databasePassword({ env: stack.env(), secrets }), max: 1 });
  p.on('error', () => undefined);
  return p;
}

describe('databaseUrl', () => {
  test('the app role through the proxy host, password URL-encoded, verify-full; parsed back exactly', async () => {
    const awkward = 'p@ss:w/rd?#%&= x';
    stack.putDbSecret(awkward, 'app user');
    try {
      const url = await databaseUrl(options());
      expect(url).toMatch(/^postgresql:\/\/app%20user:p%40ss%3Aw%2Frd%3F%23%25%26%3D%20x@localhost:\d+\/[^?]+\?sslmode=verify-full$/);
      expect(parse(url)).toMatchObject({ user: 'app user', password: awkward, host: 'localhost', port: String(stack.db.port), database: stack.db.database, sslmode: 'verify-full' });
      // Neither the password nor the URL ever reaches a log line.
      expect(redact(`connecting to ${url} with ${encodeURIComponent(awkward)}`)).not.toMatch(/p%40ss|p@ss/);
    } finally {
      stack.putDbSecret(stack.db.password);
    }
  });

  test('concurrent calls share one secret read; later calls use the cached value', async () => {
    const o = options();
    const before = stack.sm.readsOf(stack.dbSecretArn);
    const urls = await Promise.all([1, 2, 3, 4].map(() => databaseUrl(o)));
    await databaseUrl(o);
    expect(new Set(urls).size).toBe(1);
    expect(stack.sm.readsOf(stack.dbSecretArn) - before).toBe(1);
  });

  test('caFile becomes sslrootcert; an IPv6 host is bracketed', async () => {
    const url = await databaseUrl({ ...options({ caFile: '/opt/ca bundle.pem' }), env: stack.env({ DB_HOST: '::1' }) });
    expect(url).toMatch(/@\[::1\]:\d+\/.*\?sslmode=verify-full&sslrootcert=%2Fopt%2Fca\+bundle\.pem$/);
    expect(new URL(url).hostname).toBe('[::1]');
  });

  test('IAM mode: a token signed on each call, no secret read', async () => {
    const env = stack.env({ DB_AUTH_MODE: 'iam', DB_USER: 'app_iam', DB_SECRET_ARN: undefined });
    const before = stack.sm.readsOf(stack.dbSecretArn);
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z'), doNotFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'nextTick'] });
    try {
      const first = parse(await databaseUrl({ env })).password!;
      jest.setSystemTime(new Date('2026-01-01T00:16:00Z'));
      const second = await databasePassword({ env });
      expect(first).toMatch(/^localhost:\d+\/\?Action=connect&DBUser=app_iam&.*X-Amz-Date=20260101T000000Z.*X-Amz-Expires=900/);
      expect(second).toContain('X-Amz-Date=20260101T001600Z');
    } finally {
      jest.useRealTimers();
    }
    expect(stack.sm.readsOf(stack.dbSecretArn)).toBe(before);
  });

  test('no contract in the environment: ConfigurationError; an unreadable secret: secret-unavailable', async () => {
    await expect(databaseUrl({ env: {} })).rejects.toThrow(ConfigurationError);
    await expect(databaseUrl({ env: stack.env({ DB_SECRET_ARN: stack.sm.arn('missing') }), secrets: sdkSecrets(stack) }))
      .rejects.toMatchObject({ name: 'DatabaseUnavailableError', reason: 'secret-unavailable' } satisfies Partial<DatabaseUnavailableError>);
  });

  test('exportDatabaseUrl sets DATABASE_URL (or the variable named) to the URL', async () => {
    const saved = { ...process.env };
    try {
      const url = await exportDatabaseUrl(options());
      expect(process.env.DATABASE_URL).toBe(url);
      await exportDatabaseUrl({ ...options(), variable: 'PRISMA_URL' });
      expect(process.env.PRISMA_URL).toBe(url);
    } finally {
      process.env = saved;
    }
  });
});

describe('a pg pool opened from the URL', () => {
  test('verify-full with the stack CA connects over TLS; without that CA the certificate is refused', async () => {
    const secrets = sdkSecrets(stack);
    const trusted = pool(await databaseUrl({ env: stack.env(), secrets, caFile: stack.certs.caFile }), secrets);
    try {
      const { rows } = await trusted.query('SELECT current_user AS usr, (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl');
      expect(rows[0]).toEqual({ usr: stack.db.user, ssl: true });
    } finally {
      await trusted.end();
    }
    // This process does not trust the stack's throwaway CA: verification is really on.
    const untrusted = pool(await databaseUrl({ env: stack.env(), secrets }), secrets);
    try {
      await expect(untrusted.query('SELECT 1')).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    } finally {
      await untrusted.end();
    }
  });

  test('rotation (PostgreSQL, then Secrets Manager): the next connection fails with 28P01, one re-read, recovered', async () => {
    const secrets = sdkSecrets(stack);
    const p = pool(await databaseUrl({ env: stack.env(), secrets, caFile: stack.certs.caFile }), secrets);
    const reads = () => stack.sm.readsOf(stack.dbSecretArn);
    const original = stack.db.password;
    let p2: Pool | undefined;
    try {
      await p.query('SELECT 1');
      const before = reads();

      const rotated = `${newPassword()}/@:%`;
      await stack.rotateDbPassword(rotated);
      stack.putDbSecret(rotated);
      // The pool's open session survives the rotation; a new connection (after the proxy or the
      // server dropped it while the container was frozen) presents the cached, stale password.
      expect(await dropped()).toBeGreaterThanOrEqual(1);
      const err = await p.query('SELECT 1').then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: '28P01' });
      expect(databaseAuthRejected(new Error('Failed query: SELECT 1', { cause: err }), { env: stack.env(), secrets })).toBe(true);
      expect((await p.query('SELECT current_user AS usr')).rows[0].usr).toBe(stack.db.user);
      expect(reads() - before).toBe(1);

      // withRotationRetry does both within one call...
      const secrets2 = sdkSecrets(stack);
      p2 = pool(await databaseUrl({ env: stack.env(), secrets: secrets2, caFile: stack.certs.caFile }), secrets2);
      await p2.query('SELECT 1');
      const before2 = reads();
      await stack.rotateDbPassword(original);
      stack.putDbSecret(original);
      await dropped();
      await expect(withRotationRetry(() => p2!.query('SELECT 1 AS one'), { env: stack.env(), secrets: secrets2 })).resolves.toMatchObject({ rows: [{ one: 1 }] });
      expect(reads() - before2).toBe(1);
      // ...and re-reads at most once per interval: a secret lagging the database is not read per request.
      const third = newPassword();
      await stack.rotateDbPassword(third);
      await dropped();
      await expect(withRotationRetry(() => p2!.query('SELECT 1'), { env: stack.env(), secrets: secrets2 })).rejects.toMatchObject({ code: '28P01' });
      expect(reads() - before2).toBe(1);
    } finally {
      await stack.rotateDbPassword(original);
      stack.putDbSecret(original);
      await p.end();
      await p2?.end();
    }
  });

  test("databaseAuthRejected sees through Prisma's adapter error, which keeps the driver's SQLSTATE as originalCode", () => {
    // What @prisma/adapter-pg's convertDriverError makes of pg's error, wrapped by the client.
    const adapterError = { kind: 'AuthenticationFailed', originalCode: '28P01', originalMessage: 'The password that was provided for the role app is wrong.' };
    expect(databaseAuthRejected(new Error('Invalid invocation', { cause: adapterError }), options())).toBe(true);
    expect(databaseAuthRejected(new Error('Invalid invocation', { cause: { kind: 'TableDoesNotExist', originalCode: '42P01' } }), options())).toBe(false);
  });

  test('databaseAuthRejected ignores errors that are not a rejected login', () => {
    expect(databaseAuthRejected(Object.assign(new Error('relation "x" does not exist'), { code: '42P01' }), options())).toBe(false);
    expect(databaseAuthRejected(new Error('socket hang up'), options())).toBe(false);
  });
});
