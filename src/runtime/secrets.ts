// Only types at load time: the SDK is loaded on the first read, so that a function that never
// reads a secret (IAM authentication) never loads it (about 65 ms of cold start).
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { logger, registerSecretValue, summariseError } from './log';

/** Thrown when a secret cannot be read (network, permissions, missing, malformed). */
export class SecretUnavailableError extends Error {
  /** The SDK error name (`AccessDeniedException`, `ResourceNotFoundException`, ...) when known. */
  public readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.name = 'SecretUnavailableError';
    this.code = code;
  }
}

/** Options of {@link SecretCache}. */
export interface SecretCacheOptions {
  /**
   * How long a fetched value is reused, in milliseconds. `0` keeps it for the life of the
   * container; callers invalidate explicitly when the value is rejected (rotation).
   * @default 0
   */
  readonly ttlMs?: number;
  /**
   * Factory for the Secrets Manager client (tests, custom retry settings).
   * @default a client with the SDK's default region, credentials and endpoint resolution
   * (which honours `AWS_ENDPOINT_URL_SECRETS_MANAGER`).
   */
  readonly clientFactory?: () => SecretsManagerClient;
}

interface Entry {
  readonly value: string;
  readonly fetchedAt: number;
}

/**
 * Reads Secrets Manager secrets once per container and reuses them. Concurrent reads of the same
 * secret share one request; failures are never cached; every value read is registered for log
 * redaction.
 */
export class SecretCache {
  private client: SecretsManagerClient | undefined;
  private readonly values = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly ttlMs: number;
  private readonly clientFactory?: () => SecretsManagerClient;

  constructor(options: SecretCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 0;
    this.clientFactory = options.clientFactory;
  }

  /** The secret's `SecretString`. */
  public async getString(secretId: string): Promise<string> {
    const cached = this.values.get(secretId);
    if (cached && (this.ttlMs <= 0 || Date.now() - cached.fetchedAt < this.ttlMs)) {
      return cached.value;
    }
    let pending = this.inFlight.get(secretId);
    if (!pending) {
      pending = this.fetch(secretId).finally(() => this.inFlight.delete(secretId));
      this.inFlight.set(secretId, pending);
    }
    return pending;
  }

  /** The secret's `SecretString` parsed as a JSON object. */
  public async getJson(secretId: string): Promise<Record<string, unknown>> {
    const text = await this.getString(secretId);
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

  /** Forget a cached value (or all of them) so the next read goes to Secrets Manager. */
  public invalidate(secretId?: string): void {
    if (secretId === undefined) {
      this.values.clear();
    } else {
      this.values.delete(secretId);
    }
  }

  private async fetch(secretId: string): Promise<string> {
    const started = Date.now();
    try {
      const sdk = loadSdk();
      this.client ??= this.clientFactory ? this.clientFactory() : new sdk.SecretsManagerClient({});
      const out = await this.client.send(new sdk.GetSecretValueCommand({ SecretId: secretId }));
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

/** The Secrets Manager SDK, required when a secret is first read rather than when this module loads. */
function loadSdk(): typeof import('@aws-sdk/client-secrets-manager') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a static import would load the SDK in IAM mode too
  return require('@aws-sdk/client-secrets-manager');
}

let defaultCache: SecretCache | undefined;

/** The container-wide cache used by the default handler and the `fromEnv` helpers. */
export function defaultSecretCache(): SecretCache {
  defaultCache ??= new SecretCache();
  return defaultCache;
}
