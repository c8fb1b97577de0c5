/**
 * Password rotation against the built default handler and real PostgreSQL: a rejected password
 * re-reads the secret, and while the secret lags the database (rotation has changed the password
 * but not yet published it) the re-reads are single-flight and at most one per few seconds, so
 * a busy container does not turn every request into Secrets Manager calls.
 */
import { SECRET_REFRESH_INTERVAL_MS } from '../../src/runtime/secrets';
import { newPassword } from '../harness/database';
import { ApiResponse, LambdaProcess } from '../harness/lambda';
import { trackSecret } from '../harness/leaks';
import { runtimeDatabase, sdkSecrets } from '../harness/runtime-db';
import { stackForTests, TestStack } from '../harness/stack';
import { sleep } from '../harness/util';

jest.setTimeout(30000);
process.env.AWS_LAMBDA_LOG_LEVEL = 'error';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let stack: TestStack;

async function call(l: LambdaProcess, method: string, path: string, headers: Record<string, string> = {}): Promise<ApiResponse> {
  return stack.record(await l.request(method, path, headers));
}

const logged = (l: LambdaProcess, event: string) => l.logs.filter((line) => line.includes(`"event":"${event}"`)).length;

stackForTests((started) => {
  stack = started;
});

describe('password rotation', () => {
  test('ALTER USER + new secret between requests: 28P01 → secret re-read → 200', async () => {
    const fn = await stack.lambda();
    expect((await call(fn, 'GET', '/health')).statusCode).toBe(200);
    const readsBefore = stack.sm.readsOf(stack.dbSecretArn);
    expect(readsBefore).toBeGreaterThanOrEqual(1);

    // Rotate, as the Secrets Manager rotation function does: new password in the database, then
    // in the secret. The container's open session stays valid, so the next request needs no read.
    const rotated = newPassword();
    await stack.rotateDbPassword(rotated);
    stack.putDbSecret(rotated);
    expect((await call(fn, 'GET', '/health')).statusCode).toBe(200);
    expect(stack.sm.readsOf(stack.dbSecretArn)).toBe(readsBefore);

    // The connection goes away while the container is frozen (proxy idle timeout, failover, ...):
    // reconnecting with the cached, now stale password gets 28P01; the handler re-reads the
    // secret and succeeds within the same request.
    fn.freeze();
    expect(await stack.db.dropAppConnections()).toBeGreaterThanOrEqual(1);
    fn.thaw();
    const res = await call(fn, 'GET', '/health');
    expect(res.statusCode).toBe(200);
    expect(stack.sm.readsOf(stack.dbSecretArn)).toBe(readsBefore + 1);
    expect(logged(fn, 'db.auth-rejected-retrying')).toBe(1);
    expect(fn.alive).toBe(true);
  });

  test('a secret that is still wrong after the re-read → 503, one re-read only', async () => {
    const fn = await stack.lambda();
    stack.putDbSecret(trackSecret('wrong password', newPassword()));
    try {
      const before = stack.sm.readsOf(stack.dbSecretArn);
      const res = await call(fn, 'GET', '/health');
      expect(res.statusCode).toBe(503);
      expect(res.json).toEqual({ error: 'service_unavailable', reason: 'database-unavailable' });
      expect(stack.sm.readsOf(stack.dbSecretArn) - before).toBe(2);
      expect(logged(fn, 'db.auth-failed')).toBe(1);
    } finally {
      stack.putDbSecret(stack.db.password);
    }
  });

  test('while the secret lags the database: one re-read per interval, however many requests', async () => {
    const fn = await stack.lambda();
    expect((await call(fn, 'GET', '/health')).statusCode).toBe(200);
    const before = stack.sm.readsOf(stack.dbSecretArn);

    // Rotation has set the new password in the database; the secret still holds the old one.
    await stack.rotateDbPassword(trackSecret('rotated password', newPassword()));
    await stack.db.dropAppConnections();
    const lagStarted = Date.now();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      statuses.push((await call(fn, 'GET', '/health')).statusCode);
    }
    expect(Date.now() - lagStarted).toBeLessThan(SECRET_REFRESH_INTERVAL_MS);
    expect(statuses).toEqual(Array(20).fill(503));
    expect(stack.sm.readsOf(stack.dbSecretArn) - before).toBe(1);

    // The secret catches up; the first rejection after the interval reads it again and succeeds.
    stack.putDbSecret(stack.db.password);
    await sleep(lagStarted + SECRET_REFRESH_INTERVAL_MS + 100 - Date.now());
    expect((await call(fn, 'GET', '/health')).statusCode).toBe(200);
    expect(stack.sm.readsOf(stack.dbSecretArn) - before).toBe(2);
    expect(fn.alive).toBe(true);
  });

  test('concurrent statements that find the password rejected share one re-read (single flight)', async () => {
    const db = runtimeDatabase(stack);
    try {
      await db.now();
      const before = stack.sm.readsOf(stack.dbSecretArn);
      const rotated = trackSecret('rotated password', newPassword());
      await stack.rotateDbPassword(rotated);
      stack.putDbSecret(rotated);
      await stack.db.dropAppConnections();
      await sleep(100); // let the closed connection reach the client
      const results = await Promise.all(Array.from({ length: 8 }, () => db.now()));
      expect(results.every((d) => d instanceof Date)).toBe(true);
      expect(stack.sm.readsOf(stack.dbSecretArn) - before).toBe(1);
    } finally {
      await db.end();
    }
  });

  test('concurrent reads of a rejected secret share one request; a second rejection within the interval reads nothing', async () => {
    const secrets = sdkSecrets(stack);
    await secrets.getString(stack.dbSecretArn);
    const before = stack.sm.readsOf(stack.dbSecretArn);
    expect(secrets.markRejected(stack.dbSecretArn)).toBe(true);
    // Callers that see the rejection while the re-read is pending may retry: they join it.
    expect(secrets.markRejected(stack.dbSecretArn)).toBe(true);
    await Promise.all(Array.from({ length: 5 }, () => secrets.getString(stack.dbSecretArn)));
    expect(stack.sm.readsOf(stack.dbSecretArn) - before).toBe(1);
    // Re-read already: retrying would present the same value again.
    expect(secrets.markRejected(stack.dbSecretArn)).toBe(false);
    await secrets.getString(stack.dbSecretArn);
    expect(stack.sm.readsOf(stack.dbSecretArn) - before).toBe(1);
  });
});

describe('hygiene', () => {
  test('no token, secret, password or private key in any response or log line', () => {
    // The check reads what the functions wrote: without lines it would pass on nothing.
    expect(stack.allLogLines().length).toBeGreaterThan(5);
    expect(stack.leaks()).toEqual([]);
  });
});
