import { createHash, createHmac } from 'node:crypto';
import { registerSecretValue } from './log';

/** AWS credentials used to sign an IAM database authentication token. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Input of {@link signRdsIamToken}. */
export interface RdsIamTokenOptions {
  /** Proxy or instance endpoint the token is for (exactly what the client connects to). */
  readonly hostname: string;
  readonly port: number;
  /** Database user the token authenticates. */
  readonly username: string;
  readonly region: string;
  /**
   * @default the Lambda execution role's credentials from `AWS_ACCESS_KEY_ID`,
   * `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`
   */
  readonly credentials?: AwsCredentials;
  /** Signing time. @default now */
  readonly now?: Date;
  /** Token lifetime in seconds (RDS accepts at most 900). @default 900 */
  readonly expiresInSeconds?: number;
}

/** Thrown when no credentials are available to sign a token. */
export class MissingCredentialsError extends Error {
  public readonly code = 'MissingCredentials';
  constructor() {
    super('no AWS credentials available to sign an IAM database token');
    this.name = 'MissingCredentialsError';
  }
}

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function credentialsFromEnv(): AwsCredentials {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new MissingCredentialsError();
  }
  return { accessKeyId, secretAccessKey, sessionToken: process.env.AWS_SESSION_TOKEN || undefined };
}

/**
 * Sign an RDS / RDS Proxy IAM authentication token: a SigV4 pre-signed `connect` request for the
 * `rds-db` service, used as the password. This is the algorithm `@aws-sdk/rds-signer` implements
 * (the test suite checks the two agree byte for byte); it is implemented here with `node:crypto`
 * so the bundled handler does not depend on which `@aws-sdk/*` packages a Lambda runtime
 * happens to ship.
 */
export function signRdsIamToken(options: RdsIamTokenOptions): string {
  const credentials = options.credentials ?? credentialsFromEnv();
  const now = options.now ?? new Date();
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, ''); // YYYYMMDDTHHMMSSZ
  const dateStamp = amzDate.slice(0, 8);
  const service = 'rds-db';
  const scope = `${dateStamp}/${options.region}/${service}/aws4_request`;
  const host = `${options.hostname}:${options.port}`;

  const query: Array<[string, string]> = [
    ['Action', 'connect'],
    ['DBUser', options.username],
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${credentials.accessKeyId}/${scope}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(options.expiresInSeconds ?? 900)],
    ['X-Amz-SignedHeaders', 'host'],
  ];
  if (credentials.sessionToken) {
    query.push(['X-Amz-Security-Token', credentials.sessionToken]);
  }
  query.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonicalQuery = query.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');

  const canonicalRequest = [
    'GET',
    '/',
    canonicalQuery,
    `host:${host}\n`,
    'host',
    createHash('sha256').update('', 'utf8').digest('hex'),
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest, 'utf8').digest('hex'),
  ].join('\n');

  const kDate = hmac('AWS4' + credentials.secretAccessKey, dateStamp);
  const kRegion = hmac(kDate, options.region);
  const kService = hmac(kRegion, service);
  const kSigning = hmac(kService, 'aws4_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');

  const token = `${host}/?${canonicalQuery}&X-Amz-Signature=${signature}`;
  registerSecretValue(token);
  return token;
}
