import type { GetSecretValueCommandOutput, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Deadline, DeadlineExceededError } from './deadline';
import { getSecretValue, SecretValue } from './get-secret-value';
import { logger, registerSecretValue, summariseError } from './log';

/** Thrown when a secret cannot be read (network, permissions, missing, malformed, too slow). */
export class SecretUnavailableError extends Error {
  /** The SDK error name (`AccessDeniedException`, `ResourceNotFoundException`, ...) when known. */
  public readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.name = 'SecretUnavailableError';
    this.code = code;
  }
}

/**
 * After a value was rejected (a password after rotation), at most one re-read per this many
 * milliseconds: while the secret lags the database, every request would otherwise read it again.
 */
export const SECRET_REFRESH_INTERVAL_MS = 5000;

/**
 * Settings for a Secrets Manager SDK client (the migration function's): each attempt is bounded,
 * and so are retries. The default handler reads with {@link getSecretValue}, which has the same.
 */
export const SECRETS_MANAGER_CLIENT_CONFIG = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1000, requestTimeout: 2500, throwOnRequestTimeout: true },
} as const;

/** Options of {@link SecretCache}. */
export interface SecretCacheOptions {
  /**
   * How long a fetched value is reused, in milliseconds. `0` keeps it for the life of the
   * container; callers report a rejected value with {@link SecretCache.markRejected} (rotation).
   * @default 0
   */
  readonly ttlMs?: number;
  /** See {@link SECRET_REFRESH_INTERVAL_MS}. @default 5000 */
  readonly refreshIntervalMs?: number;
  /**
   * Factory for an AWS SDK Secrets Manager client to read with instead (custom credentials,
   * endpoint or retry settings).
   * @default one signed `GetSecretValue` request per read ({@link getSecretValue}): the
   * function's credentials and region, `AWS_ENDPOINT_URL_SECRETS_MANAGER` / `AWS_ENDPOINT_URL`
   * as the SDK reads them, the SDK's retries and timeouts, without loading the SDK
   */
  readonly clientFactory?: () => SecretsManagerClient;
}

interface Entry {
  readonly value: string;
  readonly fetchedAt: number;
}

// Only for a client from `clientFactory`, whose caller loaded the SDK already.
function loadSdk(): typeof import('@aws-sdk/client-secrets-manager') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
}

/**
 * Reads Secrets Manager secrets once per container and reuses them. Concurrent reads of the same
 * secret share one request (single flight); failures are never cached; every read is bounded by
 * the caller's deadline; every value read is registered for log redaction.
 */
export class SecretCache {
  private client: SecretsManagerClient | undefined;
  private readonly values = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly refreshedAt = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly refreshIntervalMs: number;
  private readonly clientFactory: (() => SecretsManagerClient) | undefined;

  constructor(options: SecretCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 0;
    this.refreshIntervalMs = options.refreshIntervalMs ?? SECRET_REFRESH_INTERVAL_MS;
    this.clientFactory = options.clientFactory;
  }

  /** The secret's `SecretString`, read within `deadline` (by default the function's timeout from now). */
  public async getString(secretId: string, deadline: Deadline = Deadline.forInvocation()): Promise<string> {
    const cached = this.values.get(secretId);
    if (cached && (this.ttlMs <= 0 || Date.now() - cached.fetchedAt < this.ttlMs)) {
      return cached.value;
    }
    let pending = this.inFlight.get(secretId);
    if (!pending) {
      pending = this.fetch(secretId, deadline).finally(() => this.inFlight.delete(secretId));
      this.inFlight.set(secretId, pending);
    }
    try {
      return await deadline.race(pending, 'reading the secret');
    } catch (err) {
      // The fetch itself logs: its request is aborted at the same deadline.
      if (err instanceof DeadlineExceededError) {
        throw new SecretUnavailableError('secret could not be read in time', err.code);
      }
      throw err;
    }
  }

  /** The secret's `SecretString` parsed as a JSON object. */
  public async getJson(secretId: string, deadline?: Deadline): Promise<Record<string, unknown>> {
    const text = await this.getString(secretId, deadline);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SecretUnavailableError('secret is not valid JSON', 'MalformedSecret');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new SecretUnavailableError('secret is not a JSON object', 'MalformedSecret');
    }
    return parsed as Record<string, unknown>;
  }

  /**
   * Report that the cached value was rejected (a password after rotation, a revoked key). Returns
   * whether the next read gets a newer value than the rejected one: true when this call schedules
   * a re-read, or when one is already scheduled or in flight; false when the secret was re-read
   * for a rejection less than `refreshIntervalMs` ago, so that a retry would only repeat the
   * rejection (the secret lags the database: answer now, read again later).
   */
  public markRejected(secretId: string): boolean {
    const last = this.refreshedAt.get(secretId);
    if (last !== undefined && Date.now() - last < this.refreshIntervalMs) {
      return !this.values.has(secretId) || this.inFlight.has(secretId);
    }
    this.refreshedAt.set(secretId, Date.now());
    this.values.delete(secretId);
    return true;
  }

  /** Forget a cached value (or all of them) so the next read goes to Secrets Manager. */
  public invalidate(secretId?: string): void {
    if (secretId === undefined) {
      this.values.clear();
    } else {
      this.values.delete(secretId);
    }
  }

  private async read(secretId: string, deadline: Deadline): Promise<SecretValue | GetSecretValueCommandOutput> {
    if (!this.clientFactory) {
      return getSecretValue(secretId, deadline);
    }
    this.client ??= this.clientFactory();
    return this.client.send(new (loadSdk().GetSecretValueCommand)({ SecretId: secretId }), { abortSignal: deadline.signal() });
  }

  private async fetch(secretId: string, deadline: Deadline): Promise<string> {
    const started = Date.now();
    try {
      const out = await this.read(secretId, deadline);
      let value: string | undefined = out.SecretString;
      if (value === undefined && out.SecretBinary) {
        value = Buffer.from(out.SecretBinary).toString('utf8');
      }
      if (value === undefined) {
        throw new SecretUnavailableError('secret has no value', 'EmptySecret');
      }
      registerSecretValue(value);
      registerJsonValues(value);
      this.values.set(secretId, { value, fetchedAt: Date.now() });
      logger.info('secret.fetched', { secretId, versionId: out.VersionId, durationMs: Date.now() - started });
      return value;
    } catch (err) {
      if (err instanceof SecretUnavailableError) {
        throw err;
      }
      const summary = summariseError(err);
      logger.warn('secret.unavailable', { secretId, error: summary, durationMs: Date.now() - started });
      throw new SecretUnavailableError(`secret could not be read (${summary.name})`, summary.name);
    }
  }
}

function registerJsonValues(text: string): void {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') {
      for (const [key, v] of Object.entries(parsed as Record<string, unknown>)) {
        // Host names, ports and user names are not secret and registering them would redact
        // useful context from every line; anything else in a secret is treated as secret.
        if (typeof v === 'string' && !/^(username|user|host|hostname|port|engine|dbname|dbInstanceIdentifier|dbClusterIdentifier|proxyName)$/i.test(key)) {
          registerSecretValue(v);
        }
      }
    }
  } catch {
    // Not JSON: the whole string is already registered.
  }
}

let defaultCache: SecretCache | undefined;

/** The container-wide cache used by the default handler and the `fromEnv` helpers. */
export function defaultSecretCache(): SecretCache {
  defaultCache ??= new SecretCache();
  return defaultCache;
}
