/**
 * The built default handler (assets/handler/api.lambda/index.js, what ships) in the local stack's
 * function containers, against PostgreSQL as `local serve` starts it (TLS required),
 * a loopback Secrets Manager speaking the AWS JSON protocol, Clerk-shaped RS256 session tokens
 * and a loopback Clerk JWKS endpoint. Nothing is mocked: pg, @clerk/backend and the AWS SDK run
 * as they do in Lambda.
 */
import { ensureBundle } from '../harness/bundle';
import { claimsOf, otherPrivateKey, sessionToken, makeSigningKey } from '../harness/clerk';
import { ApiResponse, EventFormat, LambdaProcess } from '../harness/lambda';
import { trackSecret } from '../harness/leaks';
import { TestStack } from '../harness/stack';
import { tcpForwarder } from '../harness/util';

jest.setTimeout(30000);

let stack: TestStack;
let fn: LambdaProcess;

const token = (opts?: Parameters<typeof sessionToken>[1]) => trackSecret('session token', sessionToken(stack.key, opts));
const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

async function call(l: LambdaProcess, method: string, path: string, headers: Record<string, string> = {}, format: EventFormat = 'v1'): Promise<ApiResponse> {
  return stack.record(await l.request(method, path, headers, format));
}

function expectRecentIso(value: unknown): void {
  expect(typeof value).toBe('string');
  const t = Date.parse(value as string);
  expect(Number.isNaN(t)).toBe(false);
  expect(Math.abs(Date.now() - t)).toBeLessThan(60000);
}

beforeAll(async () => {
  ensureBundle();
  stack = await TestStack.start({ jwks: true });
  fn = await stack.lambda();
}, 180000);

afterAll(async () => {
  await stack?.destroy();
});

describe('routing', () => {
  test.each<EventFormat>(['v1', 'v2'])('GET /health runs SELECT NOW() over TLS (%s event)', async (format) => {
    const res = await call(fn, 'GET', '/health', {}, format);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json.status).toBe('ok');
    expectRecentIso(res.json.now);
    expect(Object.keys(res.json).sort()).toEqual(['now', 'status']);
  });

  test('the connection really is TLS and reused across warm invocations', async () => {
    const sessions = async () => stack.db.adminQuery<{ pid: number; ssl: boolean }>(
      `SELECT a.pid, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
       WHERE a.usename = 'app' AND a.application_name = 'secure-lambda-postgres'`);
    await call(fn, 'GET', '/health');
    const before = await sessions();
    expect(before).toEqual([{ pid: expect.any(Number), ssl: true }]);
    const dbReads = stack.sm.readsOf(stack.dbSecretArn);
    for (let i = 0; i < 3; i++) {
      expect((await call(fn, 'GET', '/health')).statusCode).toBe(200);
    }
    // Warm invocations neither re-read the secret nor open another connection: the same backend serves them.
    expect(stack.sm.readsOf(stack.dbSecretArn)).toBe(dbReads);
    expect(await sessions()).toEqual(before);
  });

  test('direct invocation (no HTTP envelope) returns a plain { status, now }', async () => {
    const out = stack.record(await fn.invoke({})) as Record<string, unknown>;
    expect(out.status).toBe('ok');
    expectRecentIso(out.now);
    expect(out).not.toHaveProperty('statusCode');
  });

  test('a direct invocation is also the first thing a cold container can do', async () => {
    const cold = await stack.lambda();
    const out = stack.record(await cold.invoke({ source: 'integ-test' })) as Record<string, unknown>;
    expect(out).toEqual({ status: 'ok', now: expect.any(String) });
  });

  test.each([
    ['GET', '/'],
    ['GET', '/nope'],
    ['GET', '/health/extra'],
    ['POST', '/admin'],
  ])('%s %s → 404 JSON', async (method, path) => {
    const res = await call(fn, method, path);
    expect(res.statusCode).toBe(404);
    expect(res.json).toEqual({ error: 'not_found' });
  });

  test.each([
    ['POST', '/health', 'v1'],
    ['DELETE', '/me', 'v1'],
    ['PUT', '/me', 'v2'],
  ] as Array<[string, string, EventFormat]>)('%s %s (%s) → 405 JSON with Allow', async (method, path, format) => {
    const res = await call(fn, method, path, bearer(token()), format);
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET');
    expect(res.json).toEqual({ error: 'method_not_allowed' });
  });

  test('paths are normalised: trailing slash, HTTP API named-stage prefix', async () => {
    expect((await call(fn, 'GET', '/health/')).statusCode).toBe(200);
    const staged = await fn.invoke({
      version: '2.0',
      rawPath: '/prod/health',
      headers: {},
      requestContext: { http: { method: 'GET', path: '/prod/health' }, stage: 'prod' },
    }) as { statusCode: number };
    expect(staged.statusCode).toBe(200);
  });
});

describe('GET /me with networkless verification (CLERK_JWT_KEY)', () => {
  test.each<EventFormat>(['v1', 'v2'])('a valid session token → 200 { userId, now } (%s)', async (format) => {
    const t = token();
    const res = await call(fn, 'GET', '/me', bearer(t), format);
    expect(res.statusCode).toBe(200);
    expect(res.json.userId).toBe(claimsOf(t).sub);
    expectRecentIso(res.json.now);
  });

  test('header name and scheme are case-insensitive; the second authorized party is accepted', async () => {
    const t = token({ claims: { azp: 'https://admin.example.com' } });
    const res = await call(fn, 'GET', '/me', { authorization: `bearer ${t}` });
    expect(res.statusCode).toBe(200);
    expect(res.json.userId).toBe(claimsOf(t).sub);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const cases: Array<[string, () => Record<string, string>, string]> = [
    ['no Authorization header', () => ({}), 'missing-token'],
    ['an empty Authorization header', () => ({ Authorization: '  ' }), 'missing-token'],
    ['a Basic credential', () => ({ Authorization: 'Basic YWxhZGRpbjpvcGVuc2VzYW1l' }), 'malformed-token'],
    ['Bearer without a token', () => ({ Authorization: 'Bearer' }), 'malformed-token'],
    ['a token that is not a JWT', () => ({ Authorization: 'Bearer abc.def' }), 'malformed-token'],
    ['a JWT whose parts do not decode', () => ({ Authorization: 'Bearer eyJhbGciOi.e30x.c2ln' }), 'malformed-token'],
    ['an expired token', () => bearer(token({ claims: { iat: now() - 600, nbf: now() - 610, exp: now() - 300 } })), 'token-expired'],
    ['a token not valid yet', () => bearer(token({ claims: { iat: now(), nbf: now() + 300, exp: now() + 600 } })), 'token-not-active-yet'],
    ['a token signed by another key', () => bearer(token({ signWith: otherPrivateKey() })), 'token-invalid-signature'],
    ['a tampered payload', () => {
      const [h, , s] = token().split('.');
      const forged = Buffer.from(JSON.stringify({ sub: 'user_admin', exp: now() + 60, azp: 'https://app.example.com' })).toString('base64url');
      return bearer(trackSecret('forged token', `${h}.${forged}.${s}`));
    }, 'token-invalid-signature'],
    ['a token for another origin (azp)', () => bearer(token({ claims: { azp: 'https://evil.example.net' } })), 'token-invalid-authorized-parties'],
    ['a token without azp', () => bearer(token({ claims: { azp: undefined } })), 'token-invalid-authorized-parties'],
    ['an HS256 token', () => bearer(token({ header: { alg: 'HS256' } })), 'token-invalid-algorithm'],
  ];
  test.each(cases)('%s → 401 with a machine-readable reason', async (_name, headers, reason) => {
    const res = await call(fn, 'GET', '/me', headers());
    expect(res.statusCode).toBe(401);
    expect(res.json).toEqual({ error: 'unauthorized', reason });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  test('a PEM with real newlines and surrounding whitespace works as well', async () => {
    const l = await stack.lambda({ CLERK_JWT_KEY: `\n  ${stack.key.publicKeyPem}\n\n` });
    const t = token();
    const res = await call(l, 'GET', '/me', bearer(t));
    expect(res.statusCode).toBe(200);
    expect(res.json.userId).toBe(claimsOf(t).sub);
  });
});

describe('GET /me with JWKS verification (Clerk secret key in Secrets Manager)', () => {
  let jwksFn: LambdaProcess;
  const jwksEnv = () => ({ CLERK_JWT_KEY: undefined, CLERK_SECRET_KEY_ARN: stack.clerkSecretArn, CLERK_API_URL: stack.jwks!.url });

  beforeAll(async () => {
    jwksFn = await stack.lambda(jwksEnv());
  });

  test('a valid token → 200; keys and the secret key are fetched once per container', async () => {
    const jwksBefore = stack.jwks!.requests;
    const reads = stack.sm.readsOf(stack.clerkSecretArn);
    for (let i = 0; i < 3; i++) {
      const t = token();
      const res = await call(jwksFn, 'GET', '/me', bearer(t));
      expect(res.statusCode).toBe(200);
      expect(res.json.userId).toBe(claimsOf(t).sub);
    }
    expect(stack.jwks!.requests - jwksBefore).toBe(1);
    expect(stack.jwks!.unauthorized).toBe(0);
    expect(stack.sm.readsOf(stack.clerkSecretArn) - reads).toBe(1);
  });

  test('a token from an unknown key id → 401 jwk-kid-mismatch', async () => {
    const stranger = makeSigningKey();
    trackSecret('stranger private key', stranger.privateKeyPem);
    const t = trackSecret('stranger token', sessionToken(stranger));
    const res = await call(jwksFn, 'GET', '/me', bearer(t));
    expect(res.statusCode).toBe(401);
    expect(res.json).toEqual({ error: 'unauthorized', reason: 'jwk-kid-mismatch' });
  });

  test('expired and wrong-party tokens are rejected on this path too', async () => {
    const n = Math.floor(Date.now() / 1000);
    const expired = await call(jwksFn, 'GET', '/me', bearer(token({ claims: { exp: n - 100, iat: n - 200, nbf: n - 200 } })));
    expect(expired.json).toEqual({ error: 'unauthorized', reason: 'token-expired' });
    const party = await call(jwksFn, 'GET', '/me', bearer(token({ claims: { azp: 'http://localhost:3000' } })));
    expect(party.json).toEqual({ error: 'unauthorized', reason: 'token-invalid-authorized-parties' });
  });

  test('the Clerk secret key cannot be read → 503, and the container recovers once it can', async () => {
    stack.sm.fail(stack.clerkSecretArn);
    try {
      const l = await stack.lambda(jwksEnv());
      const res = await call(l, 'GET', '/me', bearer(token()));
      expect(res.statusCode).toBe(503);
      expect(res.json).toEqual({ error: 'auth_unavailable', reason: 'clerk-secret-unavailable' });
      stack.sm.heal(stack.clerkSecretArn);
      expect((await call(l, 'GET', '/me', bearer(token()))).statusCode).toBe(200);
    } finally {
      stack.sm.heal(stack.clerkSecretArn);
    }
  });

  test('the JWKS endpoint is down → 503 jwks-unavailable (after Clerk\'s own retries)', async () => {
    const l = await stack.lambda(jwksEnv());
    stack.jwks!.failWith = 500;
    try {
      const res = await call(l, 'GET', '/me', bearer(token()));
      expect(res.statusCode).toBe(503);
      expect(res.json).toEqual({ error: 'auth_unavailable', reason: 'jwks-unavailable' });
    } finally {
      stack.jwks!.failWith = undefined;
    }
    expect((await call(l, 'GET', '/me', bearer(token()))).statusCode).toBe(200);
  });
});

describe('misconfiguration and TLS verification', () => {
  test('/me without any Clerk configuration → 500 clerk-not-configured (health still works)', async () => {
    const l = await stack.lambda({ CLERK_JWT_KEY: undefined, CLERK_SECRET_KEY_ARN: undefined });
    const res = await call(l, 'GET', '/me', bearer(token()));
    expect(res.statusCode).toBe(500);
    expect(res.json).toEqual({ error: 'server_misconfigured', reason: 'clerk-not-configured' });
    expect((await call(l, 'GET', '/health')).statusCode).toBe(200);
  });

  test('no database settings → 500 on /health, { status: error } on direct invocation', async () => {
    const l = await stack.lambda({ DB_HOST: undefined });
    const res = await call(l, 'GET', '/health');
    expect(res.statusCode).toBe(500);
    expect(res.json).toEqual({ error: 'server_misconfigured', reason: 'database-not-configured' });
    expect(stack.record(await l.invoke({}))).toEqual({ status: 'error', error: 'database-not-configured' });
  });

  test('a server certificate the function does not trust → 503 (rejectUnauthorized is real)', async () => {
    const l = await stack.lambda({ NODE_EXTRA_CA_CERTS: undefined });
    const res = await call(l, 'GET', '/health');
    expect(res.statusCode).toBe(503);
    expect(res.json).toEqual({ error: 'service_unavailable', reason: 'database-unavailable' });
    expect(l.stdout.concat(l.stderr).some((line) => line.includes('"event":"db.unavailable"'))).toBe(true);
  });

  test('an IP address host verifies against the certificate\'s IP SAN; an address it does not name is refused', async () => {
    const l = await stack.lambda({ DB_HOST: '127.0.0.1' });
    expect((await call(l, 'GET', '/health')).statusCode).toBe(200);
    // The same server as 127.0.0.2, which the certificate does not name (no host check: 200).
    const forwarder = await tcpForwarder('127.0.0.2', { host: '127.0.0.1', port: stack.db.port });
    try {
      const other = await stack.lambda({ DB_HOST: '127.0.0.2', DB_PORT: String(forwarder.port) });
      expect((await call(other, 'GET', '/health')).json).toEqual({ error: 'service_unavailable', reason: 'database-unavailable' });
    } finally {
      await forwarder.close();
    }
  });
});

describe('hygiene', () => {
  test('no token, secret, password or private key in any response or log line', () => {
    expect(stack.allLogLines().length).toBeGreaterThan(20);
    expect(stack.leaks()).toEqual([]);
  });

  test('every log line is one structured JSON object without a stack trace', () => {
    expect(stack.unstructuredLogLines()).toEqual([]);
  });

  test('no container crashed', () => {
    expect(fn.alive).toBe(true);
  });
});

afterAll(() => {
  if (process.env.SLP_DUMP_LOGS) {
    console.log(stack.allLogLines().join('\n'));
  }
});
