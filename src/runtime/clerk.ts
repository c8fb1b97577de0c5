import type { verifyToken } from '@clerk/backend';
import { ClerkConfig, Environment, isClerkConfigured, readClerkConfig } from './config';
import { Deadline, DeadlineExceededError } from './deadline';
import { logger, registerSecretValue, summariseError } from './log';
import { defaultSecretCache, SecretCache } from './secrets';
import { tokenKey, VerificationCache } from './verification-cache';

/** A verified Clerk session. */
export interface VerifiedSession {
  readonly ok: true;
  /** The Clerk user id (`sub`). */
  readonly userId: string;
  /** The Clerk session id (`sid`), when present. */
  readonly sessionId?: string;
  /** All verified claims. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/** Why a request was not authenticated, with the HTTP status to answer. */
export interface AuthFailure {
  readonly ok: false;
  /** 401 for a bad or missing token, 500 for a misconfiguration, 503 when keys cannot be loaded. */
  readonly status: 401 | 500 | 503;
  /** Machine-readable error class: `unauthorized`, `server_misconfigured` or `auth_unavailable`. */
  readonly error: 'unauthorized' | 'server_misconfigured' | 'auth_unavailable';
  /**
   * Machine-readable reason: `missing-token`, `malformed-token`, `token-expired`,
   * `token-not-active-yet`, `token-iat-in-the-future`, `token-invalid-signature`,
   * `token-invalid-authorized-parties`, `token-invalid-algorithm`, `token-invalid-issuer`,
   * `jwk-kid-mismatch`, `token-verification-failed`, `clerk-not-configured`,
   * `clerk-secret-key-invalid`, `clerk-secret-unavailable`, `jwks-unavailable`.
   */
  readonly reason: string;
}

/** Result of {@link ClerkVerifier.verifyAuthorizationHeader}. */
export type AuthResult = VerifiedSession | AuthFailure;

/** Options of {@link ClerkVerifier}: the settings the construct writes plus tuning knobs. */
export interface ClerkVerifierOptions extends ClerkConfig {
  /** Where the Clerk secret key is read from. @default the container-wide cache */
  readonly secrets?: SecretCache;
  /** Allowed clock skew for `exp` / `nbf` / `iat`. @default Clerk's default (5 s) */
  readonly clockSkewInMs?: number;
  /**
   * Where verified tokens are remembered until they expire, so repeated requests with the same
   * session token skip the signature check. May be shared by verifiers with different settings:
   * entries are keyed by the settings too. @default a cache of 1000 tokens for this verifier
   */
  readonly cache?: VerificationCache<VerifiedSession>;
  /** The verification function (tests wrap it to count calls). @default `verifyToken` of `@clerk/backend` */
  readonly verify?: typeof verifyToken;
}

// @clerk/backend takes about as long to load as everything else in the bundle together: load it
// on the first verification, so that module init (and a container that only serves /health or
// direct invocations) does without it.
let clerkVerify: typeof verifyToken | undefined;
function loadVerify(): typeof verifyToken {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  clerkVerify ??= (require('./clerk-backend') as typeof import('./clerk-backend')).verifyToken;
  return clerkVerify;
}

// Clerk reasons that describe the token itself: answered 401 with the reason as is.
const TOKEN_REASONS = new Set([
  'token-expired', 'token-not-active-yet', 'token-iat-in-the-future', 'token-invalid-signature',
  'token-invalid-authorized-parties', 'token-invalid-algorithm', 'token-invalid-issuer',
  'jwk-kid-mismatch', 'token-verification-failed',
]);
// Clerk reasons that mean the keys could not be obtained: the token may be fine, answer 503.
const KEY_UNAVAILABLE_REASONS = new Set([
  'jwk-remote-failed-to-load', 'jwk-remote-invalid', 'jwk-remote-missing', 'jwk-failed-to-resolve',
]);

const BEARER = /^Bearer[ \t]+([A-Za-z0-9._~+/=-]+)$/i;

function fail(status: AuthFailure['status'], reason: string): AuthFailure {
  const error = status === 401 ? 'unauthorized' : status === 500 ? 'server_misconfigured' : 'auth_unavailable';
  return { ok: false, status, error, reason };
}

/**
 * Verifies Clerk session tokens with `@clerk/backend`'s `verifyToken`: networkless with the PEM
 * public key when one is configured, otherwise against Clerk's JWKS using the secret key read from
 * Secrets Manager. `authorizedParties` and `issuer` are enforced when configured. Successful
 * verifications are cached per token until it expires (see {@link VerificationCache}). Never
 * throws for a bad token.
 */
export class ClerkVerifier {
  /** Build from the environment variables the construct sets (see `ENV` in the contract). */
  public static fromEnv(env: Environment = process.env, overrides: Partial<ClerkVerifierOptions> = {}): ClerkVerifier {
    return new ClerkVerifier({ ...readClerkConfig(env), ...overrides });
  }

  private readonly secrets: SecretCache;
  private readonly cache: VerificationCache<VerifiedSession>;
  private readonly verify: typeof verifyToken;
  /** Everything a verification depends on besides the token: part of every cache key. */
  private readonly scope: string;
  private warnedNoParties = false;

  constructor(private readonly options: ClerkVerifierOptions) {
    this.secrets = options.secrets ?? defaultSecretCache();
    this.cache = options.cache ?? new VerificationCache();
    this.verify = options.verify ?? ((token, opts) => loadVerify()(token, opts));
    const o = options;
    this.scope = JSON.stringify([o.jwtKey, o.secretKeyArn, o.apiUrl, [...o.authorizedParties].sort(), o.issuer, o.clockSkewInMs]);
  }

  /** Whether any verification path is configured. */
  public get configured(): boolean {
    return isClerkConfigured(this.options);
  }

  /**
   * Verify the value of an `Authorization` header (`Bearer <session JWT>`) within `deadline` (a
   * key fetch that takes longer answers 503 `jwks-unavailable`).
   */
  public async verifyAuthorizationHeader(header: string | undefined, deadline?: Deadline): Promise<AuthResult> {
    if (!this.configured) {
      return fail(500, 'clerk-not-configured');
    }
    if (header === undefined || header.trim() === '') {
      return fail(401, 'missing-token');
    }
    const match = BEARER.exec(header.trim());
    if (!match) {
      return fail(401, 'malformed-token');
    }
    return this.verifySessionToken(match[1], deadline);
  }

  /** Verify a bare session token. */
  public async verifySessionToken(token: string, deadline: Deadline = Deadline.forInvocation()): Promise<AuthResult> {
    if (!this.configured) {
      return fail(500, 'clerk-not-configured');
    }
    if (token.split('.').length !== 3) {
      return fail(401, 'malformed-token');
    }
    const key = tokenKey(this.scope, token);
    const cached = this.cache.get(key);
    if (cached) {
      return cached;
    }
    const result = await this.verifyUncached(token, deadline);
    if (result.ok) {
      this.cache.set(key, result, result.claims as { exp: number; nbf?: number; iat?: number });
    }
    return result;
  }

  private async verifyUncached(token: string, deadline: Deadline): Promise<AuthResult> {
    const o = this.options;
    if (o.authorizedParties.length === 0 && !this.warnedNoParties) {
      this.warnedNoParties = true;
      logger.warn('auth.authorized-parties-not-configured', { hint: 'set CLERK_AUTHORIZED_PARTIES to enforce the azp claim' });
    }
    let secretKey: string | undefined;
    if (!o.jwtKey && o.secretKeyArn) {
      try {
        secretKey = extractSecretKey(await this.secrets.getString(o.secretKeyArn, deadline));
      } catch (err) {
        logger.error('auth.secret-key-unavailable', { error: summariseError(err) });
        return fail(503, 'clerk-secret-unavailable');
      }
      if (!secretKey) {
        logger.error('auth.secret-key-malformed', {});
        return fail(500, 'clerk-secret-key-invalid');
      }
      registerSecretValue(secretKey);
    }
    try {
      // A JWKS fetch retries for seconds; a networkless check never waits.
      const payload = await deadline.race(this.verify(token, {
        jwtKey: o.jwtKey,
        secretKey,
        apiUrl: o.apiUrl,
        authorizedParties: o.authorizedParties.length > 0 ? o.authorizedParties : undefined,
        issuer: o.issuer,
        clockSkewInMs: o.clockSkewInMs,
      }), 'verifying the session token');
      const claims = payload as unknown as Record<string, unknown>;
      const userId = claims.sub;
      if (typeof userId !== 'string' || userId === '') {
        return fail(401, 'token-verification-failed');
      }
      return { ok: true, userId, sessionId: typeof claims.sid === 'string' ? claims.sid : undefined, claims };
    } catch (err) {
      return this.mapError(err);
    }
  }

  private mapError(err: unknown): AuthFailure {
    if (err instanceof DeadlineExceededError) {
      logger.error('auth.keys-unavailable', { reason: 'deadline', error: summariseError(err) });
      return fail(503, 'jwks-unavailable');
    }
    const reason = typeof (err as { reason?: unknown })?.reason === 'string' ? (err as { reason: string }).reason : undefined;
    const summary = summariseError(err);
    if (reason === 'token-invalid') {
      logger.info('auth.rejected', { reason: 'malformed-token', error: summary });
      return fail(401, 'malformed-token');
    }
    if (reason && TOKEN_REASONS.has(reason)) {
      logger.info('auth.rejected', { reason, error: summary });
      return fail(401, reason);
    }
    if (reason === 'secret-key-invalid') {
      // A rotated key: read it again (at most once per few seconds).
      if (this.options.secretKeyArn) {
        this.secrets.markRejected(this.options.secretKeyArn);
      }
      logger.error('auth.secret-key-invalid', { error: summary });
      return fail(500, 'clerk-secret-key-invalid');
    }
    if (reason === 'jwk-local-missing') {
      logger.error('auth.misconfigured', { error: summary });
      return fail(500, 'clerk-not-configured');
    }
    if (this.options.secretKeyArn && !this.options.jwtKey) {
      // A JWKS fetch that failed with a 401/403 may mean the key was rotated.
      this.secrets.markRejected(this.options.secretKeyArn);
    }
    logger.error('auth.keys-unavailable', { reason: reason && KEY_UNAVAILABLE_REASONS.has(reason) ? reason : 'unexpected', error: summary });
    return fail(503, 'jwks-unavailable');
  }
}

/** The Clerk secret key from a secret that is either the bare key or JSON `{ "secretKey": ... }`. */
export function extractSecretKey(secretString: string): string | undefined {
  const text = secretString.trim();
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      for (const key of ['secretKey', 'CLERK_SECRET_KEY', 'secret_key', 'clerkSecretKey']) {
        const v = parsed[key];
        if (typeof v === 'string' && v.trim() !== '') {
          return v.trim();
        }
      }
      return undefined;
    } catch {
      return undefined;
    }
  }
  return text === '' ? undefined : text;
}
