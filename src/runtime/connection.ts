import type { Client as PgClient, ClientConfig, Query as PgQuery, QueryResult } from 'pg';
import { logger, summariseError } from './log';

// The client alone: `pg`'s entry point also loads its pool and native bindings (~14 KB of the
// bundle) that a single connection never uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Client = require('pg/lib/client') as typeof PgClient;
type Client = PgClient;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Query = require('pg/lib/query') as typeof PgQuery;

/**
 * Run one unnamed statement, failing with pg's `Query read timeout` after `timeoutMs` (the caller
 * then discards the connection). Built as a `Query` from the text: given a config object, pg
 * copies it with `Object.getOwnPropertyDescriptors` on every statement. And timed here rather than
 * with pg's `query_timeout`: with it, each statement left objects that outlived young-generation
 * collections on a warm container (its survivors grew by ~0.8 MB per scavenge until a full
 * collection; without it they stay flat), the tail of warm latency.
 */
export function runStatement(client: Client, text: string, values: unknown[] | undefined, timeoutMs: number): Promise<QueryResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Query read timeout')), timeoutMs);
    client.query(new Query(text, values, (err: Error | undefined, result: QueryResult) => {
      clearTimeout(timer);
      if (err) {
        reject(err);
      } else {
        resolve(result);
      }
    }));
  });
}

/**
 * The container's one PostgreSQL connection: a `pg` client opened on first use, shared by the
 * statements of every invocation, closed after a spell of idleness and replaced when it dies.
 *
 * A client rather than a pool, because each connection attempt gets its own timeout: what remains
 * of the invocation that opens it, not a figure fixed when the container started.
 */
export class PgConnection {
  private client: Client | undefined;
  private opening: Promise<Client> | undefined;
  private busy = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  /** @param idleTimeoutMillis how long an unused connection is kept open */
  constructor(private readonly idleTimeoutMillis: number) {}

  /**
   * Run `work` on the connection, opening it with the settings `configure` returns when there is
   * none. Concurrent callers share one connection attempt.
   */
  public async use<T>(configure: () => Promise<ClientConfig>, work: (client: Client) => Promise<T>): Promise<T> {
    // The idle timer keeps running: it closes nothing while a statement is busy, and is re-armed after.
    this.busy++;
    try {
      return await work(this.client ?? await this.open(configure));
    } finally {
      if (--this.busy === 0) {
        this.armIdleTimer();
      }
    }
  }

  /** Close the connection (it may be dead, or in the middle of a statement that was abandoned). */
  public discard(): void {
    const client = this.client;
    this.client = undefined;
    client?.end().catch(() => undefined);
  }

  /** Close the connection and wait for it to go (tests; a Lambda container never needs to). */
  public async end(): Promise<void> {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private open(configure: () => Promise<ClientConfig>): Promise<Client> {
    this.opening ??= this.connect(configure).finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async connect(configure: () => Promise<ClientConfig>): Promise<Client> {
    const client = new Client(await configure());
    // Without a listener, a connection closed by the proxy or the server (idle timeout, failover,
    // pg_terminate_backend) emits 'error' and crashes the runtime.
    client.on('error', (err) => {
      logger.warn(this.busy === 0 ? 'db.idle-connection-error' : 'db.connection-error', { error: summariseError(err) });
      if (this.client === client) {
        this.discard();
      }
    });
    try {
      await client.connect();
    } catch (err) {
      client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
    return client;
  }

  private armIdleTimer(): void {
    if (!this.client) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
      return;
    }
    if (this.idleTimer) {
      // One timer per connection, rescheduled: cheaper on a warm request than a new one each time.
      this.idleTimer.refresh();
      return;
    }
    this.idleTimer = setTimeout(() => {
      if (this.busy === 0) {
        this.discard();
      }
    }, this.idleTimeoutMillis);
    // An idle timer must not keep a process (a test, a script) alive.
    this.idleTimer.unref();
  }
}
