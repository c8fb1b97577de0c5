import { createPublicKey } from 'crypto';
import { ENV } from '../../../contract';
import { UsageError } from '../../../io';
import { normalisePem } from '../../../runtime/config';

/**
 * Whose key the local function verifies Clerk session tokens with: `local`, the key in the user's
 * cache (`local token` signs with it), or `template`, the template's `clerkJwtKey` and
 * `clerkIssuer`, so that the developer's Clerk development instance signs the sessions their app
 * gets on `http://localhost:…`.
 */
export const CLERK_MODES = ['local', 'template'] as const;
export type ClerkMode = typeof CLERK_MODES[number];

/**
 * Set the function's Clerk verification for the mode: with `localKeyPem` (`--clerk local`) the
 * local key replaces the template's; without it (`--clerk template`) the template's PEM key stays,
 * and a template that only has `clerkSecretKey` (Clerk's JWKS, over the internet, with a secret
 * from the deployed Secrets Manager) is refused. Returns the line `serve` prints.
 */
export function applyClerkMode(env: Record<string, string>, localKeyPem: string | undefined): string {
  if (env[ENV.CLERK_JWT_KEY] === undefined && env[ENV.CLERK_SECRET_KEY_ARN] === undefined) {
    return 'Clerk: not configured in the template (no CLERK_JWT_KEY or CLERK_SECRET_KEY_ARN): /me answers 500';
  }
  // Verification stays networkless either way: the secret key is for fetching Clerk's JWKS.
  delete env[ENV.CLERK_SECRET_KEY_ARN];
  if (localKeyPem !== undefined) {
    env[ENV.CLERK_JWT_KEY] = localKeyPem;
    return 'Clerk: the function verifies session tokens against the local key instead of your Clerk instance (--clerk local; `secure-lambda-postgres local token` signs them)';
  }
  if (!isPublicKey(env[ENV.CLERK_JWT_KEY])) {
    throw new UsageError('--clerk template needs the PEM public key of your Clerk instance in the template (clerkJwtKey, a literal), and this one has none: set clerkJwtKey and synthesize again, or use --clerk local');
  }
  const parties = env[ENV.CLERK_AUTHORIZED_PARTIES] || 'any origin';
  const issuer = env[ENV.CLERK_ISSUER] ? `, issuer ${env[ENV.CLERK_ISSUER]}` : '';
  return `Clerk: the function verifies session tokens against the template's clerkJwtKey, your Clerk instance (--clerk template): the sessions it issues to ${parties}${issuer} are accepted; \`local token\` does not sign for it`;
}

/** A key the handler can verify with, read as it reads it (an unresolved reference resolves to ''). */
function isPublicKey(pem: string | undefined): boolean {
  try {
    return pem !== undefined && pem !== '' && createPublicKey(normalisePem(pem)).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}
