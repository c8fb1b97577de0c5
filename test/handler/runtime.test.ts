/**
 * The runtime helpers in-process (what `secure-lambda-postgres/lib/runtime` exports), with real
 * @clerk/backend and @aws-sdk/rds-signer as references. No network.
 */
import { execFileSync, spawnSync } from 'child_process';
import { generateKeyPairSync } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Signer } from '@aws-sdk/rds-signer';
import { ClerkVerifier, extractSecretKey } from '../../src/runtime/clerk';
import { ConfigurationError, normalisePem, parseList, readClerkConfig, readDbConfig } from '../../src/runtime/config';
import { classifyDatabaseError } from '../../src/runtime/db';
import { jsonResponse, parseHttpEvent } from '../../src/runtime/http';
import { signRdsIamToken } from '../../src/runtime/iam-token';
import { log, redact, registerSecretValue, summariseError } from '../../src/runtime/log';
import { BUNDLE_PATH, ensureBundle, REPO_ROOT } from '../harness/bundle';
import { makeSigningKey, sessionToken } from '../harness/clerk';
import { httpEvent } from '../harness/lambda';

describe('IAM database token', () => {
  const credentials = {
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE/+token==',
  };

  afterEach(() => jest.useRealTimers());

  test.each([
    ['with a session token (Lambda role)', credentials],
    ['with long-term keys', { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey }],
  ])('matches @aws-sdk/rds-signer byte for byte %s', async (_name, creds) => {
    const now = new Date('2026-03-04T05:06:07.890Z');
    jest.useFakeTimers({ now, doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'setInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    const options = { hostname: 'proxy.proxy-abc123.eu-west-1.rds.amazonaws.com', port: 5432, username: 'app_user', region: 'eu-west-1' };
    const reference = await new Signer({ ...options, credentials: creds }).getAuthToken();
    const ours = signRdsIamToken({ ...options, credentials: creds, now });
    const params = (token: string) => Object.fromEntries(new URL(`https://${token}`).searchParams);
    expect(params(ours)).toEqual(params(reference));
    expect(ours.split('?')[0]).toBe(reference.split('?')[0]);
    expect(params(ours)['X-Amz-Signature']).toMatch(/^[0-9a-f]{64}$/);
  });

  test('reads the Lambda role credentials from the environment', () => {
    const saved = { ...process.env };
    try {
      process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
      process.env.AWS_SESSION_TOKEN = credentials.sessionToken;
      const token = signRdsIamToken({ hostname: 'h', port: 5432, username: 'u', region: 'us-east-1', now: new Date(0) });
      expect(token).toContain('X-Amz-Security-Token=');
      expect(token).toContain(`X-Amz-Credential=${credentials.accessKeyId}%2F19700101%2Fus-east-1%2Frds-db%2Faws4_request`);
      delete process.env.AWS_ACCESS_KEY_ID;
      expect(() => signRdsIamToken({ hostname: 'h', port: 5432, username: 'u', region: 'us-east-1' })).toThrow(/no AWS credentials/);
    } finally {
      process.env = saved;
    }
  });
});

describe('configuration', () => {
  const pem = makeSigningKey().publicKeyPem;

  test.each([
    ['literal \\n escapes', pem.trim().replace(/\n/g, '\\n')],
    ['surrounding whitespace', `\n\t  ${pem}  \n\n`],
    ['double quotes', `"${pem.trim().replace(/\n/g, '\\n')}"`],
    ['CRLF line breaks', pem.replace(/\n/g, '\r\n')],
    ['flattened onto one line', pem.replace(/\n/g, ' ')],
  ])('normalisePem repairs %s', (_name, mangled) => {
    expect(normalisePem(mangled)).toBe(pem.trim());
  });

  test('a PEM with literal \\n verifies a real token through @clerk/backend', async () => {
    const key = makeSigningKey();
    const verifier = ClerkVerifier.fromEnv({
      CLERK_JWT_KEY: key.publicKeyPem.trim().replace(/\n/g, '\\n'),
      CLERK_AUTHORIZED_PARTIES: 'https://app.example.com',
    });
    const result = await verifier.verifyAuthorizationHeader(`Bearer ${sessionToken(key, { claims: { sub: 'user_123' } })}`);
    expect(result).toMatchObject({ ok: true, userId: 'user_123' });
    // Without normalisation the same key fails as a bad signature (the failure mode this guards).
    const raw = new ClerkVerifier({ jwtKey: key.publicKeyPem.trim().replace(/\n/g, '\\n'), authorizedParties: [] });
    const bad = await raw.verifyAuthorizationHeader(`Bearer ${sessionToken(key)}`);
    expect(bad.ok).toBe(false);
  });

  test('RSA keys other than 2048-bit are rejected by Clerk\'s networkless path (documented limitation)', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const key = { ...makeSigningKey(), privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
    const verifier = new ClerkVerifier({ jwtKey: key.publicKeyPem, authorizedParties: [] });
    const result = await verifier.verifyAuthorizationHeader(`Bearer ${sessionToken(key)}`);
    expect(result).toMatchObject({ ok: false, status: 401 });
  });

  test('readDbConfig: defaults, and errors that name the missing variable', () => {
    expect(readDbConfig({ DB_HOST: 'h', DB_SECRET_ARN: 'arn' })).toEqual({
      host: 'h', port: 5432, database: 'postgres', authMode: 'password', secretArn: 'arn', user: undefined, region: undefined,
    });
    expect(() => readDbConfig({})).toThrow(new ConfigurationError('DB_HOST is not set'));
    expect(() => readDbConfig({ DB_HOST: 'h' })).toThrow(/DB_SECRET_ARN is required/);
    expect(() => readDbConfig({ DB_HOST: 'h', DB_AUTH_MODE: 'iam', AWS_REGION: 'eu-west-1' })).toThrow(/DB_USER is required/);
    expect(() => readDbConfig({ DB_HOST: 'h', DB_AUTH_MODE: 'IAM', DB_USER: 'u' })).toThrow(/AWS_REGION is required/);
    expect(() => readDbConfig({ DB_HOST: 'h', DB_AUTH_MODE: 'kerberos' })).toThrow(/must be 'password' or 'iam'/);
    expect(() => readDbConfig({ DB_HOST: 'h', DB_SECRET_ARN: 'a', DB_PORT: '70000' })).toThrow(/DB_PORT/);
    expect(readDbConfig({ DB_HOST: 'h', DB_AUTH_MODE: 'iam', DB_USER: 'u', AWS_REGION: 'eu-west-1', DB_PORT: '6432' }))
      .toMatchObject({ authMode: 'iam', user: 'u', region: 'eu-west-1', port: 6432 });
  });

  test('readClerkConfig and the authorized-parties list', () => {
    expect(parseList(' https://a.example , ,https://b.example,')).toEqual(['https://a.example', 'https://b.example']);
    expect(readClerkConfig({})).toEqual({ jwtKey: undefined, secretKeyArn: undefined, apiUrl: undefined, authorizedParties: [] });
    expect(readClerkConfig({ CLERK_SECRET_KEY_ARN: 'arn', CLERK_API_URL: 'http://127.0.0.1:1' }))
      .toMatchObject({ secretKeyArn: 'arn', apiUrl: 'http://127.0.0.1:1' });
  });

  test('extractSecretKey accepts a bare key or JSON', () => {
    expect(extractSecretKey('  sk_test_abc \n')).toBe('sk_test_abc');
    expect(extractSecretKey('{"secretKey":"sk_live_x"}')).toBe('sk_live_x');
    expect(extractSecretKey('{"CLERK_SECRET_KEY":"sk_live_y"}')).toBe('sk_live_y');
    expect(extractSecretKey('{"other":"z"}')).toBeUndefined();
    expect(extractSecretKey('{not json')).toBeUndefined();
    expect(extractSecretKey('')).toBeUndefined();
  });
});

describe('HTTP events', () => {
  test('REST v1 and HTTP API v2 events are recognised; anything else is a direct invocation', () => {
    expect(parseHttpEvent(httpEvent('get', '/health/', { 'X-Test': '1' }))).toMatchObject({ method: 'GET', path: '/health', format: 'rest-v1' });
    expect(parseHttpEvent(httpEvent('GET', '/me', { Authorization: 'x' }, 'v2'))?.headers.get('authorization')).toBe('x');
    expect(parseHttpEvent({ httpMethod: 'GET', path: '/me', multiValueHeaders: { AUTHORIZATION: ['a', 'b'] } })?.headers.get('authorization')).toBe('a');
    expect(parseHttpEvent({ httpMethod: 'GET', path: '//me//' })?.path).toBe('/me');
    // A custom domain's base-path mapping shows up in `path`, not in the {proxy+} parameter.
    expect(parseHttpEvent({ httpMethod: 'GET', path: '/v1/me', resource: '/{proxy+}', pathParameters: { proxy: 'me' } })?.path).toBe('/me');
    for (const direct of [{}, null, undefined, 'x', [], { source: 'aws.events' }, { httpMethod: 1, path: '/' }]) {
      expect(parseHttpEvent(direct)).toBeUndefined();
    }
  });

  test('JSON responses carry security headers', () => {
    const res = jsonResponse(200, { a: 1 }, { allow: 'GET' });
    expect(res).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'allow': 'GET' },
      body: '{"a":1}',
      isBase64Encoded: false,
    });
  });
});

describe('structured logging', () => {
  test('never prints tokens, passwords, secrets, PEMs or stacks', () => {
    const lines: string[] = [];
    const spies = (['log', 'warn', 'error'] as const).map((m) => jest.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      lines.push(String(args[0]));
    }));
    try {
      const key = makeSigningKey();
      const jwt = sessionToken(key);
      registerSecretValue('hunter2-rotated-password');
      const err = Object.assign(new Error(`bad token ${jwt} for password hunter2-rotated-password`), { code: '28P01' });
      log('error', 'test.event', {
        error: err,
        authorization: `Bearer ${jwt}`,
        nested: { password: 'p', note: `key ${key.privateKeyPem}`, clerk: 'uses sk_live_abcdef123456' },
        url: 'proxy:5432/?Action=connect&X-Amz-Signature=abcdef&X-Amz-Security-Token=sessiontok123',
      });
      expect(lines).toHaveLength(1);
      const line = lines[0];
      const parsed = JSON.parse(line);
      expect(parsed).toMatchObject({ level: 'error', event: 'test.event', authorization: '[REDACTED]' });
      expect(parsed.error).toEqual({ name: 'Error', code: '28P01', message: expect.any(String) });
      for (const leaked of [jwt, jwt.split('.')[2], 'hunter2-rotated-password', key.privateKeyPem.split('\n')[1], 'sk_live_abcdef123456', 'sessiontok123', 'abcdef&']) {
        expect(line).not.toContain(leaked);
      }
      expect(line).not.toMatch(/\n\s+at /);
      expect(summariseError(err)).not.toHaveProperty('stack');
      expect(redact('x'.repeat(2000)).length).toBeLessThan(600);
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
  });
});

describe('database error classification', () => {
  test.each([
    [{ code: '28P01', message: 'password authentication failed for user "app"' }, 'auth'],
    [{ code: '08P01', message: 'SASL authentication failed' }, 'auth'], // PgBouncer
    // RDS Proxy's texts (rds-proxy.troubleshooting.html), which document no SQLSTATE.
    [{ message: 'The password that was provided for the role app is wrong.' }, 'auth'],
    [{ message: 'IAM authentication failed for user app. Check the IAM token for this user and try again.' }, 'auth'],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }, 'connection'],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }, 'connection'],
    [{ message: 'Connection terminated unexpectedly' }, 'connection'],
    [{ message: 'Client has encountered a connection error and is not queryable' }, 'connection'],
    [{ code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in certificate chain' }, 'tls'],
    [{ code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: 'Hostname/IP does not match' }, 'tls'],
    [{ message: 'The server does not support SSL connections' }, 'tls'],
    [{ code: '42601', message: 'syntax error at or near "SELEC"' }, 'other'],
  ])('%j → %s', (err, kind) => {
    expect(classifyDatabaseError(err)).toBe(kind);
  });
});

describe('bundle size budget', () => {
  beforeAll(() => ensureBundle());
  const script = path.join(REPO_ROOT, 'scripts', 'check-bundle-size.js');

  test('the shipped handler is within 150 KiB', () => {
    const out = execFileSync(process.execPath, [script], { encoding: 'utf8' });
    expect(out).toMatch(/^check-bundle-size: OK assets\/handler\/api\.lambda\/index\.js is \d+ bytes/);
    expect(fs.statSync(BUNDLE_PATH).size).toBeLessThanOrEqual(150 * 1024);
  });

  test('an oversized bundle fails with a clear message', () => {
    const big = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'slp-size-')), 'index.js');
    fs.writeFileSync(big, 'x'.repeat(200 * 1024));
    try {
      const res = spawnSync(process.execPath, [script, big], { encoding: 'utf8' });
      expect(res.status).toBe(1);
      expect(res.stderr).toMatch(/FAIL .* is 204800 bytes \(200\.0 KiB\), over the budget of 153600 bytes/);
    } finally {
      fs.rmSync(path.dirname(big), { recursive: true, force: true });
    }
  });

  test('the bundle keeps @aws-sdk/* and pg-native external and carries no source of the SDK', () => {
    const code = fs.readFileSync(BUNDLE_PATH, 'utf8');
    expect(code).toMatch(/require\("@aws-sdk\/client-secrets-manager"\)/);
    expect(code).not.toMatch(/require\("@aws-sdk\/rds-signer"\)/);
    expect(code).not.toContain('SignatureV4');
  });
});
