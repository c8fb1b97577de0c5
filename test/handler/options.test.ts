/**
 * The built default handler's optional settings, from the environment the construct writes:
 * `CLERK_ISSUER` (the required `iss`), `CORS_ALLOWED_ORIGINS` (browser origins that get CORS
 * headers and a preflight answer), and what a container loads before its first request.
 */
import { ISSUER, sessionToken } from '../harness/clerk';
import { ApiResponse, EventFormat, LambdaProcess } from '../harness/lambda';
import { trackSecret } from '../harness/leaks';
import { stackForTests, TestStack } from '../harness/stack';

jest.setTimeout(30000);

const APP = 'https://app.example.com';
const ADMIN = 'https://admin.example.com';
let stack: TestStack;

stackForTests((started) => {
  stack = started;
});

const bearer = (claims: Record<string, unknown> = {}) =>
  ({ Authorization: `Bearer ${trackSecret('session token', sessionToken(stack.key, { claims }))}` });

async function call(l: LambdaProcess, method: string, path: string, headers: Record<string, string> = {}, format: EventFormat = 'v1'): Promise<ApiResponse> {
  return stack.record(await l.request(method, path, headers, format));
}

const corsHeaderNames = (res: ApiResponse) => Object.keys(res.headers).filter((h) => h.startsWith('access-control-') || h === 'vary');

describe('CLERK_ISSUER', () => {
  test('tokens of the configured issuer → 200; of another issuer → 401 token-invalid-issuer', async () => {
    const fn = await stack.lambda({ CLERK_ISSUER: ISSUER });
    expect((await call(fn, 'GET', '/me', bearer())).statusCode).toBe(200);
    const other = await call(fn, 'GET', '/me', bearer({ iss: 'https://clerk.other.example' }));
    expect(other.statusCode).toBe(401);
    expect(other.json).toEqual({ error: 'unauthorized', reason: 'token-invalid-issuer' });
    expect(other.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  test('absent: the issuer is not checked', async () => {
    const fn = await stack.lambda();
    expect((await call(fn, 'GET', '/me', bearer({ iss: 'https://clerk.other.example' }))).statusCode).toBe(200);
  });
});

describe('CORS_ALLOWED_ORIGINS', () => {
  let fn: LambdaProcess;
  beforeAll(async () => {
    fn = await stack.lambda({ CORS_ALLOWED_ORIGINS: `${APP}, ${ADMIN}/` });
  });

  test.each<EventFormat>(['v1', 'v2'])('an allowed origin gets its own origin back, never *, on 200 and on errors (%s)', async (format) => {
    for (const [path, headers, status] of [['/me', bearer(), 200], ['/me', {}, 401], ['/nope', {}, 404]] as const) {
      const res = await call(fn, 'GET', path, { ...headers, Origin: ADMIN }, format);
      expect(res.statusCode).toBe(status);
      expect(res.headers['access-control-allow-origin']).toBe(ADMIN);
      expect(res.headers.vary).toBe('origin');
      expect(res.headers['access-control-expose-headers']).toBe('retry-after, www-authenticate');
    }
  });

  test('a preflight from an allowed origin → 204 with methods, headers and max-age', async () => {
    const res = await call(fn, 'OPTIONS', '/me', { 'Origin': APP, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' });
    expect(res.statusCode).toBe(204);
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET, OPTIONS',
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-max-age': '600',
      'vary': 'origin',
    });
  });

  test('an origin not in the list, or no origin: no CORS header at all, and preflight is not answered', async () => {
    const strangers: Array<Record<string, string>> = [{ Origin: 'https://evil.example.net' }, { Origin: 'null' }, { Origin: `${APP}.evil.example.net` }, {}];
    for (const headers of strangers) {
      const res = await call(fn, 'GET', '/me', { ...bearer(), ...headers });
      expect(res.statusCode).toBe(200);
      expect(corsHeaderNames(res)).toEqual([]);
    }
    const preflight = await call(fn, 'OPTIONS', '/me', { 'Origin': 'https://evil.example.net', 'Access-Control-Request-Method': 'GET' });
    expect(preflight.statusCode).toBe(405);
    expect(corsHeaderNames(preflight)).toEqual([]);
  });

  test('absent: no CORS header for any origin', async () => {
    const plain = await stack.lambda();
    const res = await call(plain, 'GET', '/me', { ...bearer(), Origin: APP });
    expect(res.statusCode).toBe(200);
    expect(corsHeaderNames(res)).toEqual([]);
    expect((await call(plain, 'OPTIONS', '/me', { 'Origin': APP, 'Access-Control-Request-Method': 'GET' })).statusCode).toBe(405);
  });
});

describe('what a container loads', () => {
  const sdkLoaded = async (l: LambdaProcess) => (await l.inspect()).packages.some((p) => p.startsWith('@aws-sdk/'));

  test('password mode: no AWS SDK at all, the secret is read with one signed request', async () => {
    const fn = await stack.lambda();
    const before = stack.sm.readsOf(stack.dbSecretArn);
    expect((await call(fn, 'GET', '/health')).statusCode).toBe(200);
    expect((await call(fn, 'GET', '/me', bearer())).statusCode).toBe(200);
    expect(await sdkLoaded(fn)).toBe(false);
    expect(stack.sm.requests.slice(-1)).toEqual([{ target: 'secretsmanager.GetSecretValue', secretId: stack.dbSecretArn, signed: true }]);
    expect(stack.sm.readsOf(stack.dbSecretArn) - before).toBe(1);
  });

  test('a PEM key: verifying a token loads no undici (what Node\'s fetch and Headers load)', async () => {
    const fn = await stack.lambda();
    expect((await call(fn, 'GET', '/me', bearer())).statusCode).toBe(200);
    const { builtins } = await fn.inspect();
    expect(builtins).toContain('internal/crypto/webcrypto');
    expect(builtins).not.toContain('internal/deps/undici/undici');
  });

  test('IAM mode with a PEM key: no AWS SDK at all, whatever is served', async () => {
    const fn = await stack.lambda({ DB_AUTH_MODE: 'iam', DB_USER: 'app', DB_SECRET_ARN: undefined });
    await call(fn, 'GET', '/health');
    expect((await call(fn, 'GET', '/me', bearer())).statusCode).toBe(503); // a password-only server refuses IAM tokens
    expect(await sdkLoaded(fn)).toBe(false);
  });
});

describe('request log lines', () => {
  const requestLines = (l: LambdaProcess) => l.stdout.filter((line) => line.includes('"event":"request"')).map((line) => JSON.parse(line));
  // A container's stdout pipe may deliver its lines after the invocation's result (another channel).
  const settledRequestLines = async (l: LambdaProcess, expected: number) => {
    for (let i = 0; i < 150 && requestLines(l).length < expected; i++) await new Promise((r) => setTimeout(r, 20));
    return requestLines(l);
  };

  test('the first request of a container and every failure at info; warm successes not at info', async () => {
    const fn = await stack.lambda();
    await call(fn, 'GET', '/health');
    await call(fn, 'GET', '/health');
    await call(fn, 'GET', '/me', bearer());
    await call(fn, 'GET', '/me');
    await call(fn, 'GET', '/nope');
    expect((await settledRequestLines(fn, 3)).map((l) => [l.level, l.path, l.status, l.coldStart])).toEqual([
      ['info', '/health', 200, true],
      ['info', '/me', 401, false],
      ['info', '/nope', 404, false],
    ]);
  });

  test('AWS_LAMBDA_LOG_LEVEL=debug logs every request', async () => {
    const fn = await stack.lambda({ AWS_LAMBDA_LOG_LEVEL: 'debug' });
    await call(fn, 'GET', '/health');
    await call(fn, 'GET', '/health');
    expect((await settledRequestLines(fn, 2)).map((l) => l.level)).toEqual(['info', 'debug']);
  });
});

describe('hygiene', () => {
  test('no token, secret, password or private key in any response or log line', () => {
    // The check reads what the functions wrote: without lines it would pass on nothing.
    expect(stack.allLogLines().length).toBeGreaterThan(5);
    expect(stack.leaks()).toEqual([]);
  });
});
