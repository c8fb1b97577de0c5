import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { Pool } from 'pg';
import { DbConfig, Environment, readDbConfig } from './config';
import { signRdsIamToken } from './iam-token';
import { logger, summariseError } from './log';
import { defaultSecretCache, SecretCache, SecretUnavailableError } from './secrets';

/** Options of {@link Database}: the settings the construct writes plus tuning knobs. */
export interface DatabaseOptions extends DbConfig {
  /** Secret cache to read `{ username, password }` from. @default the container-wide cache */
  readonly secrets?: SecretCache;
  /**
   * How long an idle connection is kept. Well above pg's 10 s default so warm invocations reuse
   * it, and below RDS Proxy's 30-minute default idle client timeout so the proxy never has to
   * cut it. @default 900000 (15 minutes)
   */
  readonly idleTimeoutMillis?: number;
  /** How long to wait for a connection (TCP + TLS + auth). @default 5000 */
  readonly connectionTimeoutMillis?: number;
  /** Client-side query timeout. @default none (the function timeout bounds every query) */
  readonly queryTimeoutMillis?: number;
  /** Reported in `pg_stat_activity`. @default 'secure-lambda-postgres' */
  readonly applicationName?: string;
  /**
   * Extra CA certificates (PEM) trusted on top of Node's root store, e.g. the RDS CA bundle when
   * connecting to an instance directly. The proxy's certificate chains to Amazon roots already in
   * Node's store. Verification is never turned off. @default none
   */
  readonly ca?: string;
}

/** Per-query options. */
export interface QueryOptions {
  /**
   * Reconnect and run the statement once more when the connection turned out to be dead (closed by
   * the proxy or the server while the container was frozen). Turn off for statements that must
   * never run twice. @default true
   */
  readonly retryOnConnectionLoss?: boolean;
}

/** Rows returned by {@link Database.query}. */
export interface QueryRows<R> {
  readonly rows: R[];
  readonly rowCount: number | null;
}

/** Why the database could not be used; all of them map to HTTP 503. */
export type DatabaseUnavailableReason = 'secret-unavailable' | 'auth-failed' | 'connect-failed' | 'tls-failed';

/** Thrown when the database cannot be reached or logged into (as opposed to a failing SQL statement). */
export class DatabaseUnavailableError extends Error {
  public readonly reason: DatabaseUnavailableReason;
  /** The underlying error's code (SQLSTATE, errno or SDK error name) when known. */
  public readonly code?: string;
  constructor(reason: DatabaseUnavailableReason, code?: string) {
    super(`database unavailable: ${reason}${code ? ` (${code})` : ''}`);
    this.name = 'DatabaseUnavailableError';
    this.reason = reason;
    this.code = code;
  }
}

type ErrorKind = 'auth' | 'connection' | 'tls' | 'other';

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND',
  'EAI_AGAIN', 'ECONNABORTED', 'ERR_SOCKET_CLOSED', 'ERR_STREAM_DESTROYED',
]);
// admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
const CONNECTION_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const AUTH_SQLSTATES = new Set(['28P01', '28000']);
const CONNECTION_MESSAGE = /connection terminated|connection ended|not queryable|timeout exceeded when trying to connect|connection timeout|client was closed|server closed the connection|server conn crashed|socket hang up/i;
const TLS_MESSAGE = /certificate|self[- ]signed|does not support SSL|establishing an SSL connection|ssl/i;

/** Classify a pg / socket / TLS error. Exported for custom handlers and tests. */
export function classifyDatabaseError(err: unknown): ErrorKind {
  const e = (err ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (AUTH_SQLSTATES.has(code) || /password authentication failed|authentication failed|no such user|IAM authentication failed/i.test(message)) {
    return 'auth';
  }
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code) || (!code && TLS_MESSAGE.test(message))) {
    return 'tls';
  }
  if (NETWORK_CODES.has(code) || code.startsWith('08') || CONNECTION_SQLSTATES.has(code) || CONNECTION_MESSAGE.test(message)) {
    return 'connection';
  }
  return 'other';
}

/**
 * One pooled PostgreSQL connection per Lambda container (pool `max: 1`), always over TLS with
 * certificate verification (`rejectUnauthorized: true`, SNI and identity checked against the host),
 * authenticated with the Secrets Manager password or a freshly signed IAM token.
 *
 * - Only unnamed parameterised statements are sent: named prepared statements break behind
 *   transaction poolers (RDS Proxy, PgBouncer).
 * - An idle connection that dies is dropped from the pool without crashing the process.
 * - A rejected password (SQLSTATE 28P01, e.g. after rotation) re-reads the secret and retries once.
 * - A connection found dead at the start of a request is replaced and the statement retried once.
 */
export class Database {
  /** Build from the environment variables the construct sets (see `ENV` in the contract). */
  public static fromEnv(env: Environment = process.env, overrides: Partial<DatabaseOptions> = {}): Database {
    return new Database({ ...readDbConfig(env), ...overrides });
  }

  private pool: Pool | undefined;
  private readonly secrets: SecretCache;

  constructor(private readonly options: DatabaseOptions) {
    this.secrets = options.secrets ?? defaultSecretCache();
  }

  /**
   * Run one statement. `values` are sent as bind parameters of an unnamed statement; never build
   * SQL text from user input.
   */
  public async query<R = Record<string, unknown>>(text: string, values?: readonly unknown[], options: QueryOptions = {}): Promise<QueryRows<R>> {
    // Separate budgets: a warm container can find its connection dead *and* then have its cached
    // password rejected on the reconnect (rotation while it was frozen). Each is retried once.
    let connectionRetries = (options.retryOnConnectionLoss ?? true) ? 1 : 0;
    let authRetries = 1;
    for (;;) {
      const pool = await this.getPool();
      try {
        const result = await pool.query({ text, values: values ? [...values] : undefined });
        return { rows: result.rows as R[], rowCount: result.rowCount };
      } catch (err) {
        const kind = classifyDatabaseError(err);
        const summary = summariseError(err);
        if (kind === 'auth') {
          this.resetPool();
          if (this.options.authMode === 'password' && this.options.secretArn) {
            this.secrets.invalidate(this.options.secretArn);
          }
          if (authRetries-- > 0) {
            logger.warn('db.auth-rejected-retrying', { error: summary, authMode: this.options.authMode });
            continue;
          }
          logger.error('db.auth-failed', { error: summary, authMode: this.options.authMode });
          throw new DatabaseUnavailableError('auth-failed', summary.code);
        }
        if (kind === 'connection' || kind === 'tls') {
          this.resetPool();
          if (kind === 'connection' && connectionRetries-- > 0) {
            logger.warn('db.connection-lost-retrying', { error: summary });
            continue;
          }
          logger.error('db.unavailable', { error: summary });
          throw new DatabaseUnavailableError(kind === 'tls' ? 'tls-failed' : 'connect-failed', summary.code);
        }
        throw err;
      }
    }
  }

  /** `SELECT NOW()` through the proxy: the health check. */
  public async now(): Promise<Date> {
    const { rows } = await this.query<{ now: Date }>('SELECT NOW() AS now');
    const value = rows[0]?.now;
    return value instanceof Date ? value : new Date(String(value));
  }

  /** Close the pool (tests; a Lambda container never needs to). */
  public async end(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) {
      await pool.end();
    }
  }

  private resetPool(): void {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) {
      pool.end().catch(() => undefined);
    }
  }

  private async loadCredentials(): Promise<{ username?: string; password: string }> {
    const arn = this.options.secretArn;
    if (!arn) {
      throw new SecretUnavailableError('no database secret configured', 'MissingSecretArn');
    }
    const secret = await this.secrets.getJson(arn);
    const username = typeof secret.username === 'string' ? secret.username : undefined;
    const password = secret.password;
    if (typeof password !== 'string' || password === '') {
      throw new SecretUnavailableError('database secret has no password', 'MalformedSecret');
    }
    return { username, password };
  }

  private async getPool(): Promise<Pool> {
    if (this.pool) {
      return this.pool;
    }
    const o = this.options;
    let user = o.user;
    if (o.authMode === 'password') {
      try {
        const credentials = await this.loadCredentials();
        user = credentials.username ?? o.user;
      } catch (err) {
        const summary = summariseError(err);
        logger.error('db.secret-unavailable', { error: summary });
        throw new DatabaseUnavailableError('secret-unavailable', summary.code);
      }
    }
    if (!user) {
      throw new DatabaseUnavailableError('secret-unavailable', 'MissingUser');
    }
    const dbUser = user;
    const pool = new Pool({
      host: o.host,
      port: o.port,
      database: o.database,
      user: dbUser,
      // Called for every new connection: the cached secret (re-read after a rejection) or a
      // newly signed IAM token (valid 15 minutes, only needed at connect time).
      password: async () => {
        if (o.authMode === 'iam') {
          return signRdsIamToken({ hostname: o.host, port: o.port, username: dbUser, region: o.region ?? '' });
        }
        return (await this.loadCredentials()).password;
      },
      ssl: {
        rejectUnauthorized: true,
        // SNI must not be an IP address (RFC 6066); pg then checks the identity against `host`.
        ...(isIP(o.host) === 0 ? { servername: o.host } : {}),
        // An explicit `ca` replaces Node's roots, so keep them alongside the extra certificates.
        ...(o.ca ? { ca: [...rootCertificates, o.ca] } : {}),
      },
      max: 1,
      idleTimeoutMillis: o.idleTimeoutMillis ?? 15 * 60 * 1000,
      connectionTimeoutMillis: o.connectionTimeoutMillis ?? 5000,
      query_timeout: o.queryTimeoutMillis,
      application_name: o.applicationName ?? 'secure-lambda-postgres',
    });
    // Without a listener, an idle connection closed by the proxy or the server (idle timeout,
    // failover, pg_terminate_backend) emits 'error' on the pool and crashes the runtime.
    pool.on('error', (err) => {
      logger.warn('db.idle-connection-error', { error: summariseError(err) });
    });
    this.pool = pool;
    return pool;
  }
}
