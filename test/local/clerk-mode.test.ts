import { ENV } from '../../src/contract';
import { UsageError } from '../../src/io';
import { applyClerkMode, supplyClerkSdkKeys } from '../../src/local/services/lambda/clerk-mode';
import { makeSigningKey } from '../harness/clerk';

const instance = makeSigningKey().publicKeyPem;
const local = makeSigningKey().publicKeyPem;
const template = (env: Record<string, string>): Record<string, string> => ({ [ENV.CLERK_AUTHORIZED_PARTIES]: 'http://localhost:5173', ...env });

test('--clerk local: the local key replaces the template\'s, and the secret key is dropped', () => {
  const env = template({ [ENV.CLERK_JWT_KEY]: instance, [ENV.CLERK_SECRET_KEY_ARN]: 'arn:aws:secretsmanager:eu-west-1:1:secret:clerk' });
  expect(applyClerkMode(env, local)).toMatch(/^Clerk: the function verifies session tokens against the local key .*\(--clerk local;/);
  expect(env[ENV.CLERK_JWT_KEY]).toBe(local);
  expect(env[ENV.CLERK_SECRET_KEY_ARN]).toBeUndefined();
});

test('--clerk template: the template\'s key, issuer and parties stay', () => {
  const env = template({ [ENV.CLERK_JWT_KEY]: instance.replace(/\n/g, '\\n'), [ENV.CLERK_ISSUER]: 'https://x.clerk.accounts.dev' });
  const before = { ...env };
  expect(applyClerkMode(env, undefined)).toBe("Clerk: the function verifies session tokens against the template's clerkJwtKey, your Clerk instance (--clerk template): "
    + 'the sessions it issues to http://localhost:5173, issuer https://x.clerk.accounts.dev are accepted; `local token` does not sign for it');
  expect(env).toEqual(before);
});

test.each([
  ['only clerkSecretKey (Clerk\'s JWKS over the internet)', { [ENV.CLERK_SECRET_KEY_ARN]: 'arn:aws:secretsmanager:eu-west-1:1:secret:clerk' }],
  ['a key from a deployed reference (resolved to nothing locally)', { [ENV.CLERK_JWT_KEY]: '' }],
])('--clerk template refuses a template with %s, saying what to do', (_what, env) => {
  expect(() => applyClerkMode(template(env), undefined)).toThrow(new UsageError(
    '--clerk template needs the PEM public key of your Clerk instance in the template (clerkJwtKey, a literal), and this one has none: set clerkJwtKey and synthesize again, or use --clerk local'));
});

test('no Clerk in the template: the same note in either mode', () => {
  for (const key of [local, undefined]) expect(applyClerkMode({}, key)).toMatch(/^Clerk: not configured in the template/);
});

describe('the keys Clerk\'s framework SDKs insist on', () => {
  test('absent: local placeholders, one line saying so; the publishable key names the issuer\'s host', () => {
    const env = template({ [ENV.CLERK_JWT_KEY]: local, [ENV.CLERK_ISSUER]: 'https://x.clerk.accounts.dev' });
    expect(supplyClerkSdkKeys(env, {})).toMatch(/^env CLERK_PUBLISHABLE_KEY, CLERK_SECRET_KEY: not in the template, set to local placeholders for Clerk's framework SDKs/);
    expect(env.CLERK_SECRET_KEY).toBe('sk_test_local_placeholder');
    expect(env.CLERK_TELEMETRY_DISABLED).toBe('1');
    expect(Buffer.from(env.CLERK_PUBLISHABLE_KEY.replace(/^pk_test_/, ''), 'base64').toString()).toBe('x.clerk.accounts.dev$');
  });

  test('set by the template or by --env: kept, and only the other one is supplied', () => {
    const env = template({ [ENV.CLERK_JWT_KEY]: local, CLERK_PUBLISHABLE_KEY: 'pk_test_mine' });
    expect(supplyClerkSdkKeys(env, { CLERK_SECRET_KEY: 'sk_test_given' })).toBeUndefined();
    expect(env.CLERK_PUBLISHABLE_KEY).toBe('pk_test_mine');
    expect(env).not.toHaveProperty('CLERK_SECRET_KEY');
    expect(supplyClerkSdkKeys(env, {})).toMatch(/^env CLERK_SECRET_KEY: /);
  });

  test('no PEM key (Clerk not configured): nothing supplied', () => {
    const env = template({});
    expect(supplyClerkSdkKeys(env, {})).toBeUndefined();
    expect(env).not.toHaveProperty('CLERK_PUBLISHABLE_KEY');
  });
});
