import { timingSafeEqual } from 'crypto';
import { credentialScope, rfc3986, sha256Hex, signature, SigningScope } from '../../../runtime/sigv4';

/**
 * RDS Proxy's check of an IAM authentication token, the password a client sends with
 * `DefaultAuthScheme: IAM_AUTH`. A token is a SigV4 pre-signed `GET /?Action=connect&DBUser=…`
 * for the `rds-db` service, without its `https://`
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.Connecting.html),
 * valid for 15 minutes
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.html).
 * Every signer writes the same form (`@aws-sdk/rds-signer`, boto3's `generate_db_auth_token`, the
 * runtime helper's `signRdsIamToken`), so the signature is recomputed from whatever parameters the
 * token carries, in SigV4's canonical order.
 */

/** What a token must match: the proxy's endpoint, the login's user and the local credentials. */
export interface IamTokenCheck {
  /** The host name clients connect to (the proxy endpoint the function is given). */
  readonly host: string;
  readonly port: number;
  /** The user name of the startup message. */
  readonly user: string;
  readonly region: string;
  /**
   * The only credentials the local stack hands out. With a session token, a token must carry it
   * (as STS-issued credentials are only valid with theirs).
   */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** Milliseconds since the epoch. @default Date.now() */
  readonly now?: number;
}

/**
 * `ok`, or the refusal: `message` is what RDS Proxy tells the client, `reason` what went wrong, for
 * the operator's log only (RDS Proxy writes such reasons to its log with debug logging on). Neither
 * holds the token or a key.
 */
export type IamTokenResult = { readonly ok: true } | { readonly ok: false; readonly message: string; readonly reason: string };

/** RDS Proxy's token lifetime, in seconds. */
export const IAM_TOKEN_LIFETIME_SECONDS = 900;

/** How far ahead of the proxy's clock a token's date may be: SigV4's allowed clock skew. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The text RDS Proxy sends a PostgreSQL client whose IAM token it refuses, whatever the cause
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.troubleshooting.html,
 * "Troubleshooting RDS Proxy issues with RDS for PostgreSQL").
 */
export function iamAuthenticationFailed(user: string): string {
  return `IAM authentication failed for user ${user}. Check the IAM token for this user and try again.`;
}

/** Verify `token` as RDS Proxy would for a client logging in as `check.user`. */
export function verifyIamToken(token: string, check: IamTokenCheck): IamTokenResult {
  const reason = whyRefused(token, check);
  return reason === undefined ? { ok: true } : { ok: false, message: iamAuthenticationFailed(check.user), reason };
}

function whyRefused(token: string, check: IamTokenCheck): string | undefined {
  if (token === '') return 'the authentication token is empty';
  const parsed = parseToken(token);
  if (typeof parsed === 'string') return parsed;
  const { host, params } = parsed;
  const p = (name: string) => params.get(name) ?? '';
  const endpoint = `${check.host}:${check.port}`;
  if (host.toLowerCase() !== endpoint.toLowerCase()) return `the token is for ${shown(host)}, not this proxy (${endpoint})`;
  if (p('Action') !== 'connect') return `the token's action is '${shown(p('Action'))}', not 'connect'`;
  if (p('DBUser') !== check.user) return `the token is for user '${shown(p('DBUser'))}', not '${check.user}'`;
  if (p('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return 'the token is not signed with AWS4-HMAC-SHA256';
  if (p('X-Amz-SignedHeaders') !== 'host') return "the token's signed headers are not 'host'";
  const amzDate = p('X-Amz-Date');
  const [keyId, ...scope] = p('X-Amz-Credential').split('/');
  if (!/^\d{8}T\d{6}Z$/.test(amzDate)) return 'the token has no valid X-Amz-Date';
  if (keyId !== check.credentials.accessKeyId) return 'the token is signed with an access key the local stack did not issue';
  const signing: SigningScope = { credentials: check.credentials, region: check.region, service: 'rds-db', amzDate };
  if (scope.join('/') !== credentialScope(signing)) return `the token's credential scope is ${shown(scope.join('/'))}, not ${credentialScope(signing)}`;
  const sessionToken = check.credentials.sessionToken;
  if (sessionToken !== undefined && p('X-Amz-Security-Token') !== sessionToken) return 'the token does not carry the session token of the local credentials';
  const expired = whyExpired(amzDate, p('X-Amz-Expires'), check.now ?? Date.now());
  if (expired) return expired;
  return signatureMatches(host, params, signing) ? undefined : 'the signature does not match (signed with another secret key, or altered)';
}

/** A value the client chose, cut to a length fit for the operator's log. */
const shown = (value: string) => value.slice(0, 80);

function whyExpired(amzDate: string, expires: string, now: number): string | undefined {
  if (!/^\d{1,6}$/.test(expires) || Number(expires) < 1 || Number(expires) > IAM_TOKEN_LIFETIME_SECONDS) {
    return `the token's X-Amz-Expires is '${shown(expires)}', not 1 to ${IAM_TOKEN_LIFETIME_SECONDS} seconds`;
  }
  const signedAt = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (Number.isNaN(signedAt)) return 'the token has no valid X-Amz-Date';
  if (signedAt - now > CLOCK_SKEW_MS) return 'the token is signed in the future (more than 5 minutes ahead of the clock)';
  const ageSeconds = Math.floor((now - signedAt) / 1000);
  if (ageSeconds > Number(expires)) return `the token expired (signed ${ageSeconds} s ago, valid for ${expires} s)`;
  return undefined;
}

/** `host:port/?k=v&…` into its host and decoded parameters; a string says why it is not a token. */
function parseToken(token: string): { host: string; params: Map<string, string> } | string {
  const match = /^([^/?#\s]+)\/\?([^#\s]+)$/.exec(token);
  if (!match) return 'the password is not an IAM authentication token (host:port/?Action=connect&…)';
  const params = new Map<string, string>();
  for (const pair of match[2].split('&')) {
    const eq = pair.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
      value = decodeURIComponent(eq < 0 ? '' : pair.slice(eq + 1));
    } catch {
      return 'the token is not correctly percent-encoded';
    }
    if (params.has(name)) return `the token repeats the parameter ${name}`;
    params.set(name, value);
  }
  return { host: match[1], params };
}

/** The SigV4 query-string signature, recomputed with the local secret key, compared in constant time. */
function signatureMatches(host: string, params: ReadonlyMap<string, string>, signing: SigningScope): boolean {
  const given = params.get('X-Amz-Signature') ?? '';
  if (!/^[0-9a-f]{64}$/.test(given)) return false;
  const canonicalQuery = [...params]
    .filter(([name]) => name !== 'X-Amz-Signature')
    .map(([name, value]) => [rfc3986(name), rfc3986(value)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${host}\n`, 'host', sha256Hex('')].join('\n');
  return timingSafeEqual(Buffer.from(signature(signing, canonicalRequest), 'hex'), Buffer.from(given, 'hex'));
}
