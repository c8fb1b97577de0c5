import { ENV } from '../../src/contract';
import { UsageError } from '../../src/io';
import { applyClerkMode } from '../../src/local/services/lambda/clerk-mode';
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
