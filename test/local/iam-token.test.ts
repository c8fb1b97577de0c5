/**
 * The local proxy's check of RDS IAM authentication tokens, against tokens the real
 * `@aws-sdk/rds-signer` makes (and the runtime helper's signer, which the default handler uses).
 */
import { Signer } from '@aws-sdk/rds-signer';
import { IamTokenCheck, iamAuthenticationFailed, verifyIamToken } from '../../src/local/services/rds-proxy/iam-token';
import { signRdsIamToken } from '../../src/runtime/iam-token';

const credentials = {
  accessKeyId: 'ASIALOCALSTACKEXAMPLE',
  secretAccessKey: 'bG9jYWwtc2VjcmV0LWtleS1mb3ItdGVzdHMtb25seQ',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE/+local==',
};
const proxy = { host: 'proxy.local', port: 6432, user: 'app', region: 'eu-west-1' };
const signedBy = { hostname: proxy.host, port: proxy.port, username: proxy.user, region: proxy.region };
const check = (over: Partial<IamTokenCheck> = {}): IamTokenCheck => ({ ...proxy, credentials, ...over });
const MINUTE = 60_000;

interface SignerInput { hostname?: string; port?: number; username?: string; region?: string; secretAccessKey?: string; sessionToken?: string }

/** A token from the AWS SDK's own signer, signed now. */
function sdkToken(over: SignerInput = {}): Promise<string> {
  return new Signer({
    hostname: over.hostname ?? proxy.host,
    port: over.port ?? proxy.port,
    username: over.username ?? proxy.user,
    region: over.region ?? proxy.region,
    credentials: {
      ...credentials,
      secretAccessKey: over.secretAccessKey ?? credentials.secretAccessKey,
      sessionToken: over.sessionToken ?? credentials.sessionToken,
    },
  }).getAuthToken();
}

function refused(token: string, c: IamTokenCheck, reason: RegExp): void {
  const result = verifyIamToken(token, c);
  expect(result).toEqual({ ok: false, message: iamAuthenticationFailed(c.user), reason: expect.stringMatching(reason) });
  if (!result.ok) {
    for (const secret of [credentials.secretAccessKey, credentials.sessionToken, token].filter(Boolean)) expect(result.reason).not.toContain(secret);
  }
}

test("RDS Proxy's text for a refused token", () => {
  expect(iamAuthenticationFailed('app')).toBe('IAM authentication failed for user app. Check the IAM token for this user and try again.');
});

describe('accepted', () => {
  test('a token from @aws-sdk/rds-signer, within its 15 minutes', async () => {
    const token = await sdkToken();
    expect(token).toMatch(/^proxy\.local:6432\/\?Action=connect&DBUser=app&X-Amz-Algorithm=AWS4-HMAC-SHA256&/);
    expect(verifyIamToken(token, check())).toEqual({ ok: true });
    expect(verifyIamToken(token, check({ now: Date.now() + 14 * MINUTE }))).toEqual({ ok: true });
  });

  test('a token from the runtime helper the default handler signs with', () => {
    const now = Date.parse('2026-03-04T05:06:07Z');
    const token = signRdsIamToken({ ...signedBy, credentials, now: new Date(now) });
    expect(verifyIamToken(token, check({ now: now + 1000 }))).toEqual({ ok: true });
  });

  test('a token without a session token when the credentials have none', async () => {
    const { sessionToken: _none, ...longTerm } = credentials;
    const token = await new Signer({ ...signedBy, credentials: longTerm }).getAuthToken();
    expect(verifyIamToken(token, check({ credentials: longTerm }))).toEqual({ ok: true });
  });
});

describe('refused with RDS Proxy\'s error', () => {
  test('forged: signed with another secret key', async () => {
    refused(await sdkToken({ secretAccessKey: 'another-secret-key-of-the-same-length-000' }), check(), /signature does not match/);
  });

  test('expired: 16 minutes after signing', async () => {
    refused(await sdkToken(), check({ now: Date.now() + 16 * MINUTE }), /expired/);
  });

  test('for another user', async () => {
    refused(await sdkToken({ username: 'app_owner' }), check(), /for user 'app_owner', not 'app'/);
  });

  test('for another host, or another port', async () => {
    refused(await sdkToken({ hostname: 'db.local' }), check(), /for db\.local:6432, not this proxy/);
    refused(await sdkToken({ port: 5432 }), check(), /for proxy\.local:5432, not this proxy/);
  });

  test('for another region', async () => {
    refused(await sdkToken({ region: 'us-east-1' }), check(), /credential scope/);
  });

  test('tampered: the action, the user or the expiry changed after signing', async () => {
    const token = await sdkToken();
    refused(token.replace('Action=connect', 'Action=connectx'), check(), /action is 'connectx'/);
    refused((await sdkToken({ username: 'other' })).replace('DBUser=other', 'DBUser=app'), check(), /signature does not match/);
    refused(token.replace('X-Amz-Expires=900', 'X-Amz-Expires=899'), check(), /signature does not match/);
  });

  test('valid for longer than 15 minutes, or dated in the future', () => {
    const base = { ...signedBy, credentials };
    refused(signRdsIamToken({ ...base, expiresInSeconds: 3600 }), check(), /X-Amz-Expires is '3600'/);
    refused(signRdsIamToken({ ...base, now: new Date(Date.now() + 10 * MINUTE) }), check(), /in the future/);
  });

  test('without the session token of the local credentials', async () => {
    refused(await sdkToken({ sessionToken: 'another-session' }), check(), /session token/);
  });

  test('not a token at all: empty, a plain password, or malformed encoding', () => {
    refused('', check(), /empty/);
    refused('correct horse battery staple', check(), /not an IAM authentication token/);
    refused('proxy.local:6432/?Action=%E0%A4%A', check(), /percent-encoded/);
    refused('proxy.local:6432/?Action=connect&Action=connect', check(), /repeats the parameter Action/);
  });
});
