import * as fs from 'fs';
import { certificatesIn, TestCertificates } from './certs';
import { freePort, makeTempDir, removeDir, serviceUser } from './util';
import { loopback } from '../../src/local/platform/placement';
import { Supervisor } from '../../src/local/platform/supervisor';
import { findPgbouncer as findLocalPgbouncer, RunningPgbouncer, startPgbouncer } from '../../src/local/services/rds-proxy/pgbouncer';

/** PgBouncer where `local serve` finds it, or at PGBOUNCER_BIN. */
export function findPgbouncer(): string | undefined {
  const fromEnv = process.env.PGBOUNCER_BIN;
  return fromEnv && fs.existsSync(fromEnv) ? fromEnv : findLocalPgbouncer();
}

/** The PostgreSQL database PgBouncer serves, and the one user it logs in as (like a proxy's secret). */
export interface PgBouncerUpstream {
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** Read again by {@link PgBouncer.syncPassword}. */
  readonly password: string;
}

/** Settings of a {@link PgBouncer}. */
export interface PgBouncerOptions {
  /** Server connections per user and database (`default_pool_size`). @default 5 */
  readonly poolSize?: number;
  /** Close client connections idle this long, as RDS Proxy's idle client timeout does. @default never */
  readonly clientIdleTimeoutSeconds?: number;
}

/**
 * The local stack's stand-in for RDS Proxy (src/local/services/rds-proxy), as `local serve`
 * starts it: TLS required from clients, TLS with full verification and SCRAM to PostgreSQL.
 */
export class PgBouncer {
  public static async start(pg: PgBouncerUpstream, certs: TestCertificates, options: PgBouncerOptions = {}): Promise<PgBouncer> {
    const bin = findPgbouncer();
    if (!bin) {
      throw new Error('pgbouncer is not installed');
    }
    const dir = makeTempDir('pgbouncer');
    const supervisor = new Supervisor();
    const port = await freePort();
    try {
      const running = await startPgbouncer(supervisor, {
        bin,
        placement: loopback('proxy'),
        port,
        upstream: { host: 'localhost', port: pg.port, database: pg.database },
        users: [{ username: pg.user, password: pg.password }],
        certs: certificatesIn(dir, certs),
        runDir: dir,
        runAs: serviceUser(),
        requireTls: true,
        idleClientTimeoutSeconds: options.clientIdleTimeoutSeconds ?? 0,
        // PgBouncer's own default (query_wait_timeout): the deadline tests measure the handler's waits, not the pooler's.
        borrowTimeoutSeconds: 120,
        poolSize: options.poolSize ?? 5,
      });
      return new PgBouncer(port, pg, running, supervisor, dir);
    } catch (err) {
      await supervisor.stop();
      removeDir(dir);
      throw err;
    }
  }

  public readonly host = '127.0.0.1';

  private constructor(
    public readonly port: number,
    private readonly pg: PgBouncerUpstream,
    private readonly running: RunningPgbouncer,
    private readonly supervisor: Supervisor,
    private readonly dir: string,
  ) {}

  /** Stop the process (SIGSTOP): the kernel still accepts connections, nothing answers them. */
  public freeze(): void {
    process.kill(this.running.pid, 'SIGSTOP');
  }

  public thaw(): void {
    try {
      process.kill(this.running.pid, 'SIGCONT');
    } catch {
      // it has exited
    }
  }

  public get logFile(): string {
    return this.running.logFile;
  }

  /** After a password rotation: the new password to PgBouncer, as RDS Proxy re-reads its secret. */
  public syncPassword(): Promise<void> {
    return this.running.setUsers([{ username: this.pg.user, password: this.pg.password }]);
  }

  public async stop(): Promise<void> {
    if (process.env.SLP_DUMP_LOGS && fs.existsSync(this.logFile)) {
      console.log(`pgbouncer log:\n${fs.readFileSync(this.logFile, 'utf8')}`);
    }
    this.thaw();
    await this.supervisor.stop();
    removeDir(this.dir);
  }
}
