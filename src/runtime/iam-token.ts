import { registerSecretValue } from './log';
import { amzDate, type AwsCredentials, credentialScope, credentialsFromEnv, rfc3986, sha256Hex, signature } from './sigv4';

export type { AwsCredentials } from './sigv4';
export { MissingCredentialsError } from './sigv4';

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

/**
 * Sign an RDS / RDS Proxy IAM authentication token: a SigV4 pre-signed `connect` request for the
 * `rds-db` service, used as the password. This is the algorithm `@aws-sdk/rds-signer` implements
 * (the test suite checks the two agree byte for byte); it is implemented here with `node:crypto`
 * so the bundled handler does not depend on which `@aws-sdk/*` packages a Lambda runtime
 * happens to ship.
 */
export function signRdsIamToken(options: RdsIamTokenOptions): string {
  const scope = {
    credentials: options.credentials ?? credentialsFromEnv(),
    region: options.region,
    service: 'rds-db',
    amzDate: amzDate(options.now ?? new Date()),
  };
  const host = `${options.hostname}:${options.port}`;

  const query: Array<[string, string]> = [
    ['Action', 'connect'],
    ['DBUser', options.username],
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${scope.credentials.accessKeyId}/${credentialScope(scope)}`],
    ['X-Amz-Date', scope.amzDate],
    ['X-Amz-Expires', String(options.expiresInSeconds ?? 900)],
    ['X-Amz-SignedHeaders', 'host'],
  ];
  if (scope.credentials.sessionToken) {
    query.push(['X-Amz-Security-Token', scope.credentials.sessionToken]);
  }
  query.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonicalQuery = query.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${host}\n`, 'host', sha256Hex('')].join('\n');

  const token = `${host}/?${canonicalQuery}&X-Amz-Signature=${signature(scope, canonicalRequest)}`;
  registerSecretValue(token);
  return token;
}
