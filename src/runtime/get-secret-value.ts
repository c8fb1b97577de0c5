import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { Deadline } from './deadline';
import { AwsCredentials, credentialsFromEnv, signHeaders } from './sigv4';

/**
 * Secrets Manager's `GetSecretValue` as one signed HTTPS request (AWS JSON 1.1 protocol), with
 * the retries and timeouts of the SDK client it replaces. The client takes ~75 ms to `require`
 * on a cold start and Node's `fetch` ~50 ms on its first call; `node:https` is loaded by `pg`'s
 * TLS already. https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
 */

/** The fields of the `GetSecretValue` response the handler reads. */
export interface SecretValue {
  readonly SecretString?: string;
  /** Base64 in the JSON response; decoded here. */
  readonly SecretBinary?: Buffer;
  readonly VersionId?: string;
}

/** Settings of each read: as the SDK's standard retry strategy and the previous client config. */
export const GET_SECRET_VALUE_SETTINGS = {
  maxAttempts: 3,
  /** Until the TCP connection is up. */
  connectionTimeoutMs: 1000,
  /** Socket idle time while waiting for the response. */
  requestTimeoutMs: 2500,
  /** Full-jitter exponential backoff: random(0, min(max, base × 2^retry)), as the SDK's. */
  backoffBaseMs: 100,
  backoffMaxMs: 20_000,
} as const;

/** An AWS error (`__type` of the response) or a network error, with whether the SDK would retry it. */
export class SecretsManagerError extends Error {
  constructor(name: string, message: string, public readonly statusCode: number | undefined, public readonly retryable: boolean) {
    super(message);
    this.name = name;
  }
}

// The SDK's standard retry strategy: throttling and transient errors, 5xx, timeouts and resets.
// https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
const RETRYABLE_CODES = new Set([
  'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottledException', 'TooManyRequestsException',
  'ProvisionedThroughputExceededException', 'TransactionInProgressException', 'RequestLimitExceeded',
  'BandwidthLimitExceeded', 'LimitExceededException', 'RequestThrottled', 'SlowDown', 'PriorRequestNotComplete',
  'TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'InternalServiceError',
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
]);
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/**
 * Where requests go: `AWS_ENDPOINT_URL_SECRETS_MANAGER`, else `AWS_ENDPOINT_URL` (as the SDK
 * reads them, https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html), else the
 * regional endpoint (`-fips` with `AWS_USE_FIPS_ENDPOINT`, `.amazonaws.com.cn` in China).
 */
export function secretsManagerEndpoint(env: NodeJS.ProcessEnv = process.env): URL {
  const configured = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true' ? undefined
    : env.AWS_ENDPOINT_URL_SECRETS_MANAGER || env.AWS_ENDPOINT_URL;
  if (configured) {
    return new URL(configured);
  }
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new SecretsManagerError('MissingRegion', 'AWS_REGION is not set', undefined, false);
  }
  const fips = env.AWS_USE_FIPS_ENDPOINT === 'true' ? '-fips' : '';
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return new URL(`https://secretsmanager${fips}.${region}.${suffix}/`);
}

/** Inputs of {@link getSecretValue} besides the secret; defaults are the function's environment. */
export interface GetSecretValueOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly credentials?: AwsCredentials;
  /** Draws the backoff jitter (tests). @default Math.random */
  readonly random?: () => number;
}

/**
 * Read one secret within `deadline`: up to {@link GET_SECRET_VALUE_SETTINGS.maxAttempts} attempts,
 * retrying throttling, 5xx and network errors after a backoff that must end before the deadline;
 * `AccessDeniedException`, `ResourceNotFoundException` and other client errors are not retried.
 */
export async function getSecretValue(secretId: string, deadline: Deadline, options: GetSecretValueOptions = {}): Promise<SecretValue> {
  const env = options.env ?? process.env;
  const endpoint = secretsManagerEndpoint(env);
  const credentials = options.credentials ?? credentialsFromEnv('a Secrets Manager request', env);
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  const s = GET_SECRET_VALUE_SETTINGS;
  for (let retry = 0; ; retry++) {
    try {
      return await attempt(endpoint, { credentials, region, service: 'secretsmanager' }, secretId, deadline);
    } catch (err) {
      const e = asSecretsManagerError(err);
      const backoff = (options.random ?? Math.random)() * Math.min(s.backoffMaxMs, s.backoffBaseMs * 2 ** retry);
      if (!e.retryable || retry + 1 >= s.maxAttempts || backoff >= deadline.remaining()) {
        throw e;
      }
      await new Promise((resolve) => setTimeout(resolve, backoff));
    }
  }
}

function asSecretsManagerError(err: unknown): SecretsManagerError {
  if (err instanceof SecretsManagerError) {
    return err;
  }
  const e = err as { name?: string; code?: string; message?: string };
  const name = e.name === 'AbortError' ? 'AbortError' : (e.code ?? e.name ?? 'Error');
  return new SecretsManagerError(name, e.message ?? String(err), undefined, RETRYABLE_CODES.has(name));
}

type Scope = Parameters<typeof signHeaders>[1];

function attempt(endpoint: URL, scope: Scope, secretId: string, deadline: Deadline): Promise<SecretValue> {
  const body = JSON.stringify({ SecretId: secretId });
  const path = endpoint.pathname || '/';
  const headers = signHeaders({
    method: 'POST',
    path,
    headers: { 'host': endpoint.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
    body,
  }, scope);
  const secure = endpoint.protocol === 'https:';
  // Loaded on the first read: a function that never reads a secret never loads them.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const transport = (secure ? require('node:https') : require('node:http')) as { request(o: RequestOptions): ClientRequest };
  const s = GET_SECRET_VALUE_SETTINGS;
  return new Promise<SecretValue>((resolve, reject) => {
    const req = transport.request({
      method: 'POST',
      hostname: endpoint.hostname.replace(/^\[|\]$/g, ''),
      port: endpoint.port || (secure ? 443 : 80),
      path,
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      signal: deadline.signal(),
    });
    const fail = (name: string, message: string) => req.destroy(new SecretsManagerError(name, message, undefined, RETRYABLE_CODES.has(name)));
    const connectTimer = setTimeout(() => fail('TimeoutError', `no connection within ${s.connectionTimeoutMs} ms`), s.connectionTimeoutMs);
    req.on('socket', (socket) => {
      if (socket.connecting) {
        socket.once('connect', () => clearTimeout(connectTimer));
      } else {
        clearTimeout(connectTimer);
      }
    });
    req.setTimeout(s.requestTimeoutMs, () => fail('TimeoutError', `no response within ${s.requestTimeoutMs} ms`));
    req.on('error', (err) => {
      clearTimeout(connectTimer);
      reject(err);
    });
    req.on('response', (res: IncomingMessage) => {
      clearTimeout(connectTimer);
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        try {
          resolve(parseResponse(res, Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(err);
        }
      });
    });
    req.end(body);
  });
}

function parseResponse(res: IncomingMessage, text: string): SecretValue {
  const status = res.statusCode ?? 0;
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text || '{}') as Record<string, unknown>;
  } catch {
    throw new SecretsManagerError(status >= 500 ? 'InternalServiceError' : 'SerializationException', `response ${status} is not JSON`, status, RETRYABLE_STATUS.has(status));
  }
  if (status === 200) {
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const binary = str(json.SecretBinary);
    return { SecretString: str(json.SecretString), SecretBinary: binary === undefined ? undefined : Buffer.from(binary, 'base64'), VersionId: str(json.VersionId) };
  }
  // `__type` may carry a namespace (`com.amazonaws.secretsmanager#ResourceNotFoundException`) and
  // the header a suffix after `:`: the error's name is what stays.
  const raw = String(res.headers['x-amzn-errortype'] ?? json.__type ?? json.code ?? `Http${status}`);
  const name = raw.split(':')[0].split('#').pop() || `Http${status}`;
  const message = typeof json.message === 'string' ? json.message : typeof json.Message === 'string' ? json.Message : `HTTP ${status}`;
  throw new SecretsManagerError(name, message, status, RETRYABLE_CODES.has(name) || RETRYABLE_STATUS.has(status));
}
