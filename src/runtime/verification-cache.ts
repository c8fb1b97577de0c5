import { createHash } from 'node:crypto';

/** Options of {@link VerificationCache}. */
export interface VerificationCacheOptions {
  /** How many verified tokens are kept; the least recently used goes first. @default 1000 */
  readonly maxEntries?: number;
}

/** Time claims of a verified token, in seconds since the epoch (JWT `NumericDate`). */
export interface TokenLifetime {
  readonly exp: number;
  readonly nbf?: number;
  readonly iat?: number;
}

interface Entry<T> {
  readonly value: T;
  readonly lifetime: TokenLifetime;
}

/** The hash that names a token in the cache: never the token itself, which is a credential. */
export function tokenKey(scope: string, token: string): string {
  return createHash('sha256').update(scope).update('\0').update(token).digest('base64url');
}

/**
 * Results of successful token verifications, so that a session's repeated requests skip the
 * signature check. Keyed by a SHA-256 of the verification settings and the token (see
 * {@link tokenKey}): a token verified for one set of authorized parties, issuer or key is never
 * answered from the cache for another. Bounded (least recently used first out); an entry is used
 * only between the token's `nbf`/`iat` and its `exp`, without clock skew: outside that window
 * the token is verified again, so the reason of a rejection is always the verifier's own.
 */
export class VerificationCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly maxEntries: number;

  constructor(options: VerificationCacheOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 1000);
  }

  /** How many entries are held. */
  public get size(): number {
    return this.entries.size;
  }

  /** The cached result for `key`, when the token is inside its validity window now. */
  public get(key: string): T | undefined {
    const now = Date.now();
    const entry = this.entries.get(key);
    if (!entry) {
      return undefined;
    }
    if (!isCurrent(entry.lifetime, now)) {
      if (entry.lifetime.exp * 1000 <= now) {
        this.entries.delete(key);
      }
      return undefined;
    }
    // Most recently used last: eviction takes the first.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Remember a verified token until its `exp`; a token outside its window now is not kept. */
  public set(key: string, value: T, lifetime: TokenLifetime): void {
    if (!Number.isFinite(lifetime.exp) || !isCurrent(lifetime, Date.now())) {
      return;
    }
    this.entries.delete(key);
    this.entries.set(key, { value, lifetime });
    while (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }
}

function isCurrent(lifetime: TokenLifetime, now: number): boolean {
  const notBefore = Math.max(lifetime.nbf ?? -Infinity, lifetime.iat ?? -Infinity);
  return now < lifetime.exp * 1000 && notBefore * 1000 <= now;
}
