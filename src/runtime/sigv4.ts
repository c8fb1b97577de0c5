import { createHash, createHmac } from 'node:crypto';
import { registerSecretValue } from './log';

/**
 * AWS Signature Version 4 with `node:crypto`: the algorithm `@smithy/signature-v4` implements
 * (the test suite checks the two agree byte for byte), without loading it or any `@aws-sdk/*`
 * package on a cold start. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */

/** AWS credentials used to sign a request. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Thrown when no credentials are available to sign a request. */
export class MissingCredentialsError extends Error {
  public readonly code = 'MissingCredentials';
  constructor(what = 'an IAM database token') {
    super(`no AWS credentials available to sign ${what}`);
    this.name = 'MissingCredentialsError';
  }
}

/** The execution role's credentials, which Lambda puts in the function's environment. */
export function credentialsFromEnv(what?: string, env: NodeJS.ProcessEnv = process.env): AwsCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new MissingCredentialsError(what);
  }
  registerSecretValue(secretAccessKey);
  if (env.AWS_SESSION_TOKEN) {
    registerSecretValue(env.AWS_SESSION_TOKEN);
  }
  return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined };
}

/** RFC 3986 percent-encoding, as SigV4 canonicalises query strings. */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

export const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');

/** `YYYYMMDDTHHMMSSZ`. */
export const amzDate = (now: Date) => now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** What a signature covers besides the canonical request. */
export interface SigningScope {
  readonly credentials: AwsCredentials;
  readonly region: string;
  readonly service: string;
  /** `YYYYMMDDTHHMMSSZ` (see {@link amzDate}). */
  readonly amzDate: string;
}

/** The credential scope: `date/region/service/aws4_request`. */
export const credentialScope = (s: SigningScope) => `${s.amzDate.slice(0, 8)}/${s.region}/${s.service}/aws4_request`;

/** The hex signature of a canonical request. */
export function signature(s: SigningScope, canonicalRequest: string): string {
  const stringToSign = ['AWS4-HMAC-SHA256', s.amzDate, credentialScope(s), sha256Hex(canonicalRequest)].join('\n');
  const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
  const kDate = hmac('AWS4' + s.credentials.secretAccessKey, s.amzDate.slice(0, 8));
  const kSigning = hmac(hmac(hmac(kDate, s.region), s.service), 'aws4_request');
  return createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');
}

/** A request to sign with headers: the headers must include `host`. */
export interface SignableRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * The request's headers plus `x-amz-date`, `x-amz-security-token` (temporary credentials) and
 * `authorization`, every header signed (names lower case, values trimmed, as SigV4 canonicalises).
 */
export function signHeaders(req: SignableRequest, scope: Omit<SigningScope, 'amzDate'>, now: Date = new Date()): Record<string, string> {
  const s: SigningScope = { ...scope, amzDate: amzDate(now) };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name.toLowerCase()] = value.trim().replace(/\s+/g, ' ');
  }
  headers['x-amz-date'] = s.amzDate;
  if (s.credentials.sessionToken) {
    headers['x-amz-security-token'] = s.credentials.sessionToken;
  }
  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    req.method,
    req.path,
    '',
    ...names.map((n) => `${n}:${headers[n]}`),
    '',
    signedHeaders,
    sha256Hex(req.body),
  ].join('\n');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${s.credentials.accessKeyId}/${credentialScope(s)}, `
    + `SignedHeaders=${signedHeaders}, Signature=${signature(s, canonicalRequest)}`;
  return headers;
}
