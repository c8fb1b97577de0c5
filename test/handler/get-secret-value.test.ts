/**
 * The default handler's Secrets Manager read (src/runtime/get-secret-value.ts, sigv4.ts) in
 * process: its signature against the real SDK client's, the JSON protocol against the local
 * stack's Secrets Manager, and the SDK's retry rules (what is retried, how often, within what time).
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Deadline } from '../../src/runtime/deadline';
import { GET_SECRET_VALUE_SETTINGS, getSecretValue, SecretsManagerError, secretsManagerEndpoint } from '../../src/runtime/get-secret-value';
import { signHeaders } from '../../src/runtime/sigv4';
import { SecretsManagerStub } from '../harness/secrets-manager';
import { BlackHole } from '../harness/util';

const REGION = 'eu-west-1';
const CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE/+token==',
};

/** One HTTP server that records each request and answers with what `answer` returns. */
async function recorder(answer: () => { status: number; body: unknown }) {
  const requests: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const { status, body } = answer();
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    requests,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe('SigV4 signature', () => {
  afterEach(() => jest.useRealTimers());

  test.each([
    ['with a session token (Lambda role)', CREDENTIALS],
    ['with long-term keys', { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: CREDENTIALS.secretAccessKey }],
  ])('matches the AWS SDK client\'s byte for byte %s', async (_name, creds) => {
    const now = new Date('2026-03-04T05:06:07.000Z');
    jest.useFakeTimers({ now, doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'setInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    const server = await recorder(() => ({ status: 200, body: { SecretString: 's', VersionId: 'v1' } }));
    try {
      const client = new SecretsManagerClient({ region: REGION, endpoint: server.url, credentials: creds, maxAttempts: 1 });
      await client.send(new GetSecretValueCommand({ SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf' }));
      const [{ headers, body }] = server.requests;
      const sdkAuthorization = String(headers.authorization);
      const signed = /SignedHeaders=([^,]+)/.exec(sdkAuthorization)![1].split(';');
      // Sign exactly the headers the SDK signed (it adds its own, such as amz-sdk-invocation-id).
      const input = Object.fromEntries(signed.filter((n) => n !== 'x-amz-date' && n !== 'x-amz-security-token').map((n) => [n, String(headers[n])]));
      const ours = signHeaders({ method: 'POST', path: '/', headers: input, body }, { credentials: creds, region: REGION, service: 'secretsmanager' }, now);
      expect(ours.authorization).toBe(sdkAuthorization);
      expect(ours['x-amz-date']).toBe(headers['x-amz-date']);
      expect(ours['x-amz-security-token']).toBe(headers['x-amz-security-token']);
    } finally {
      await server.stop();
    }
  });
});

describe('endpoint', () => {
  test.each([
    [{ AWS_REGION: REGION }, 'https://secretsmanager.eu-west-1.amazonaws.com/'],
    [{ AWS_REGION: 'cn-north-1' }, 'https://secretsmanager.cn-north-1.amazonaws.com.cn/'],
    [{ AWS_REGION: 'us-gov-west-1', AWS_USE_FIPS_ENDPOINT: 'true' }, 'https://secretsmanager-fips.us-gov-west-1.amazonaws.com/'],
    [{ AWS_REGION: REGION, AWS_ENDPOINT_URL: 'http://127.0.0.1:1/' }, 'http://127.0.0.1:1/'],
    [{ AWS_REGION: REGION, AWS_ENDPOINT_URL: 'http://127.0.0.1:1/', AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:2/' }, 'http://127.0.0.1:2/'],
    [{ AWS_REGION: REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:2/', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, 'https://secretsmanager.eu-west-1.amazonaws.com/'],
  ])('%j → %s', (env, url) => {
    expect(secretsManagerEndpoint(env).href).toBe(url);
  });

  test('no region and no endpoint: a clear error, no request', () => {
    expect(() => secretsManagerEndpoint({})).toThrow(/AWS_REGION is not set/);
  });
});

describe('GetSecretValue against the local stack\'s Secrets Manager', () => {
  let sm: SecretsManagerStub;
  const arn = () => sm.arn('app/db');
  const env = () => ({ AWS_REGION: REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url });
  const read = (deadline = Deadline.after(5000)) => getSecretValue(arn(), deadline, { env: env(), credentials: CREDENTIALS, random: () => 0.5 });

  beforeAll(async () => {
    sm = await SecretsManagerStub.start(REGION, CREDENTIALS.accessKeyId);
  });
  afterAll(() => sm.stop());
  beforeEach(() => {
    sm.heal(arn());
    sm.put(arn(), '{"username":"app","password":"pw"}');
  });

  test('one signed request returns the value and its version', async () => {
    const before = sm.requests.length;
    const out = await read();
    expect(out.SecretString).toBe('{"username":"app","password":"pw"}');
    expect(out.VersionId).toMatch(/^0{8}-/);
    expect(sm.requests.slice(before)).toEqual([{ target: 'secretsmanager.GetSecretValue', secretId: arn(), signed: true }]);
  });

  test.each([
    ['AccessDeniedException', 400],
    ['ResourceNotFoundException', 400],
    ['DecryptionFailure', 400],
  ])('%s is not retried', async (type, status) => {
    sm.fail(arn(), type, status);
    const before = sm.readsOf(arn());
    await expect(read()).rejects.toMatchObject({ name: type, retryable: false });
    expect(sm.readsOf(arn()) - before).toBe(1);
  });

  test.each([
    ['ThrottlingException', 400],
    ['InternalServiceError', 500],
    ['ServiceUnavailable', 503],
  ])('%s is retried with backoff: %i attempts in all', async (type, status) => {
    sm.fail(arn(), type, status);
    const before = sm.readsOf(arn());
    const started = Date.now();
    await expect(read()).rejects.toMatchObject({ name: type, retryable: true });
    expect(sm.readsOf(arn()) - before).toBe(GET_SECRET_VALUE_SETTINGS.maxAttempts);
    // Backoff with the jitter drawn as 0.5: 50 ms, then 100 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  test('a throttled read that recovers returns the value', async () => {
    sm.fail(arn(), 'ThrottlingException', 400);
    setTimeout(() => sm.heal(arn()), 20);
    const before = sm.readsOf(arn());
    expect((await read()).SecretString).toContain('pw');
    expect(sm.readsOf(arn()) - before).toBe(2);
  });

  test('no retry when its backoff would end after the deadline', async () => {
    sm.fail(arn(), 'ThrottlingException', 400);
    const before = sm.readsOf(arn());
    await expect(read(Deadline.after(40))).rejects.toBeInstanceOf(SecretsManagerError);
    expect(sm.readsOf(arn()) - before).toBe(1);
  });

  test('an error names the AWS error, never a credential', async () => {
    sm.fail(arn(), 'AccessDeniedException', 400);
    const err = await read().then(() => new Error('the read succeeded'), (e: Error) => e);
    expect(`${err.name} ${err.message}`).toMatch(/^AccessDeniedException User is not authorized/);
    const text = JSON.stringify({ ...err, message: err.message });
    expect(text).not.toContain(CREDENTIALS.secretAccessKey);
    expect(text).not.toContain(CREDENTIALS.sessionToken);
  });
});

describe('GetSecretValue against an endpoint that hangs', () => {
  test('the read ends at the deadline, not at the per-attempt timeouts', async () => {
    const hole = await BlackHole.start();
    try {
      const started = Date.now();
      const env = { AWS_REGION: REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER: hole.url };
      await expect(getSecretValue('s', Deadline.after(300), { env, credentials: CREDENTIALS })).rejects.toMatchObject({ name: 'AbortError' });
      expect(Date.now() - started).toBeLessThan(GET_SECRET_VALUE_SETTINGS.requestTimeoutMs);
      expect(hole.connections).toBe(1);
    } finally {
      await hole.stop();
    }
  });

  test('without a deadline in sight, the request timeout ends each attempt and the attempt is retried', async () => {
    const hole = await BlackHole.start();
    try {
      const env = { AWS_REGION: REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER: hole.url };
      await expect(getSecretValue('s', Deadline.after(9000), { env, credentials: CREDENTIALS, random: () => 0 })).rejects.toMatchObject({ name: 'TimeoutError', retryable: true });
      expect(hole.connections).toBe(3);
    } finally {
      await hole.stop();
    }
  }, 15_000);
});
