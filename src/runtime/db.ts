import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { ClientConfig } from 'pg';
import { DbConfig, Environment, readDbConfig } from './config';
import { PgConnection, runStatement } from './connection';
import { appCredentials, expectNewCredentials } from './credentials';
import { classifyDatabaseError, DatabaseUnavailableError } from './db-errors';
import { Deadline } from './deadline';
import { logger, summariseError } from './log';
import { defaultSecretCache, SecretCache } from './secrets';

export { classifyDatabaseError, DatabaseUnavailableError } from './db-errors';
export type { DatabaseErrorKind, DatabaseUnavailableReason } from './db-errors';

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
  /**
   * Upper bound of one connection attempt (TCP + TLS + auth). Each attempt also gets at most its
   * share of what remains of the invocation's deadline. @default no bound beyond the deadline
   */
  readonly connectionTimeoutMillis?: number;
  /**
   * Upper bound of one statement, measured by the client. Each statement also gets at most what
   * remains of the invocation's deadline. @default no bound beyond the deadline
   */
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
  /**
   * When the answer is needed by: connection attempts, retries and the statement itself stop
   * waiting then, and the call fails with `DatabaseUnavailableError` reason `timeout`.
   * @default the function's timeout (`FUNCTION_TIMEOUT_MS`) less a reserve, from now
   */
  readonly deadline?: Deadline;
}

/** Rows returned by {@link Database.query}. */
export interface QueryRows<R> {
  readonly rows: R[];
  readonly rowCount: number | null;
}

/**
 * One PostgreSQL connection per Lambda container, always over TLS with certificate verification
 * (`rejectUnauthorized: true`, SNI and identity checked against the host), authenticated with the
 * Secrets Manager password or a freshly signed IAM token.
 *
 * - Only unnamed parameterised statements are sent: named prepared statements break behind
 *   transaction poolers (RDS Proxy, PgBouncer).
 * - Every wait is bounded by the call's deadline: a frozen proxy, an exhausted pool or a database
 *   down behind the proxy ends in `DatabaseUnavailableError` in time for a 503.
 * - An idle connection that dies is dropped without crashing the process; a connection found dead
 *   at the start of a request is replaced and the statement retried once, time permitting.
 * - A rejected password (SQLSTATE 28P01, e.g. after rotation) re-reads the secret and retries
 *   once, at most once per few seconds (see `SecretCache.markRejected`).
 */
export class Database {
  /** Build from the environment variables the construct sets (see `ENV` in the contract). */
  public static fromEnv(env: Environment = process.env, overrides: Partial<DatabaseOptions> = {}): Database {
    return new Database({ ...readDbConfig(env), ...overrides });
  }

  private readonly secrets: SecretCache;
  private readonly connection: PgConnection;

  constructor(private readonly options: DatabaseOptions) {
    this.secrets = options.secrets ?? defaultSecretCache();
    // Well above pg's 10 s so warm invocations reuse it, below RDS Proxy's 30-minute idle timeout.
    this.connection = new PgConnection(options.idleTimeoutMillis ?? 15 * 60 * 1000);
  }

  /**
   * Run one statement. `values` are sent as bind parameters of an unnamed statement; never build
   * SQL text from user input.
   */
  public async query<R = Record<string, unknown>>(text: string, values?: readonly unknown[], options: QueryOptions = {}): Promise<QueryRows<R>> {
    const deadline = options.deadline ?? Deadline.forInvocation();
    // Separate budgets: a warm container can find its connection dead *and* then have its cached
    // password rejected on the reconnect (rotation while it was frozen). Each is retried once.
    let connectionRetries = (options.retryOnConnectionLoss ?? true) ? 1 : 0;
    let authRetries = 1;
    for (;;) {
      try {
        const result = await this.connection.use(() => this.clientConfig(deadline, connectionRetries),
          (client) => runStatement(client, text, values ? [...values] : undefined, this.slice(deadline, this.options.queryTimeoutMillis)));
        return { rows: result.rows as R[], rowCount: result.rowCount };
      } catch (err) {
        if (err instanceof DatabaseUnavailableError) {
          throw err;
        }
        const kind = classifyDatabaseError(err);
        const summary = summariseError(err);
        if (kind === 'other') {
          throw err;
        }
        this.connection.discard();
        if (kind === 'auth') {
          if (authRetries-- > 0 && this.expectNewCredentials()) {
            logger.warn('db.auth-rejected-retrying', { error: summary, authMode: this.options.authMode });
            continue;
          }
          logger.error('db.auth-failed', { error: summary, authMode: this.options.authMode });
          throw new DatabaseUnavailableError('auth-failed', summary.code);
        }
        if (kind === 'connection' && connectionRetries-- > 0 && !deadline.expired) {
          logger.warn('db.connection-lost-retrying', { error: summary });
          continue;
        }
        logger.error('db.unavailable', { error: summary, reason: kind, remainingMs: deadline.remaining() });
        throw new DatabaseUnavailableError(kind === 'tls' ? 'tls-failed' : kind === 'timeout' ? 'timeout' : 'connect-failed', summary.code);
      }
    }
  }

  /**
   * Open the connection now if there is none (read the secret, connect), without a statement:
   * lets a caller overlap the connection's network waits with other work. Failures are left for
   * the next statement to report.
   */
  public async connect(deadline: Deadline = Deadline.forInvocation()): Promise<void> {
    await this.connection.use(() => this.clientConfig(deadline, 1), async () => undefined).catch(() => undefined);
  }

  /** `SELECT NOW()` through the proxy: the health check. */
  public async now(deadline?: Deadline): Promise<Date> {
    const { rows } = await this.query<{ now: Date }>('SELECT NOW() AS now', undefined, { deadline });
    const value = rows[0]?.now;
    return value instanceof Date ? value : new Date(String(value));
  }

  /** Close the connection (tests; a Lambda container never needs to). */
  public async end(): Promise<void> {
    await this.connection.end();
  }

  /** After a rejected login: whether retrying can present other credentials. */
  private expectNewCredentials(): boolean {
    return expectNewCredentials(this.options, this.secrets);
  }

  /** What one wait may take: what remains of the deadline, capped; never 0, which pg reads as "no limit". */
  private slice(deadline: Deadline, capMs: number | undefined): number {
    const ms = deadline.slice(capMs ?? Infinity);
    if (ms <= 0) {
      throw new DatabaseUnavailableError('timeout', 'DeadlineExceeded');
    }
    return ms;
  }

  /**
   * Settings of a new connection. An attempt that may still be retried gets an equal share of the
   * remaining time, so a hanging first attempt leaves room for the second one.
   */
  private async clientConfig(deadline: Deadline, retriesLeft: number): Promise<ClientConfig> {
    const o = this.options;
    const { user, password } = await appCredentials(o, this.secrets, deadline);
    const share = Math.floor(deadline.remaining() / (Math.max(0, retriesLeft) + 1));
    return {
      host: o.host,
      port: o.port,
      database: o.database,
      user,
      password,
      ssl: {
        rejectUnauthorized: true,
        // SNI must not be an IP address (RFC 6066); pg then checks the identity against `host`.
        ...(isIP(o.host) === 0 ? { servername: o.host } : {}),
        // An explicit `ca` replaces Node's roots, so keep them alongside the extra certificates.
        ...(o.ca ? { ca: [...rootCertificates, o.ca] } : {}),
      },
      connectionTimeoutMillis: this.slice(Deadline.after(share), o.connectionTimeoutMillis),
      application_name: o.applicationName ?? 'secure-lambda-postgres',
    };
  }
}
