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

/** Variables Clerk's framework SDKs (`@clerk/fastify`, `@clerk/express`) read and insist on. */
export const CLERK_SDK_KEYS = ['CLERK_PUBLISHABLE_KEY', 'CLERK_SECRET_KEY'] as const;

/**
 * Local stand-ins for the Clerk SDK keys the template does not set: `@clerk/fastify` refuses
 * requests without a publishable and a secret key even when it verifies networkless with the PEM
 * key, and the construct never sets them (a deployed app passes its own). Only with a PEM key,
 * and only for names neither the template nor `--env` sets. Returns the line `serve` prints.
 */
export function supplyClerkSdkKeys(env: Record<string, string>, given: Readonly<Record<string, string>>): string | undefined {
  const missing = CLERK_SDK_KEYS.filter((name) => !env[name] && !(name in given));
  if (!env[ENV.CLERK_JWT_KEY] || missing.length === 0) {
    return undefined;
  }
  // A publishable key encodes the Frontend API host: the issuer's when there is one.
  const host = hostOf(env[ENV.CLERK_ISSUER]) ?? 'clerk.local.invalid';
  const placeholders = { CLERK_PUBLISHABLE_KEY: `pk_test_${Buffer.from(`${host}$`).toString('base64')}`, CLERK_SECRET_KEY: 'sk_test_local_placeholder' };
  for (const name of missing) env[name] = placeholders[name];
  // A development publishable key turns the SDKs' telemetry on: nothing to send it to here.
  env.CLERK_TELEMETRY_DISABLED ??= '1';
  return `env ${missing.join(', ')}: not in the template, set to local placeholders for Clerk's framework SDKs (@clerk/fastify needs both even with the PEM key; `
    + 'verification stays networkless; telemetry off); deployed, your app sets its own';
}

function hostOf(url: string | undefined): string | undefined {
  try {
    return url ? new URL(url).host : undefined;
  } catch {
    return undefined;
  }
}
