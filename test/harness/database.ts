import { randomBytes } from 'crypto';
import * as path from 'path';
import { Client } from 'pg';
import { certificatesIn, TestCertificates } from './certs';
import { chownRecursive, freePort, makeTempDir, removeDir, RunAs, serviceUser } from './util';
import { loopback } from '../../src/local/platform/placement';
import { Supervisor } from '../../src/local/platform/supervisor';
import { Certificates } from '../../src/local/platform/tls';
import { findPostgres, PostgresBinaries, runnableBy } from '../../src/local/services/rds/binaries';
import { RunningPostgres, startPostgres } from '../../src/local/services/rds/server';

/** What the harness runs the handler against: a PostgreSQL server started by the local stack's own code. */
export interface TestDatabase {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** The application user's current password. */
  readonly password: string;
  /** A superuser query over the local socket, bypassing TLS and passwords. */
  adminQuery<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** ALTER ROLE ... PASSWORD (password rotation). */
  rotatePassword(newPassword: string): Promise<void>;
  /** End every session of the application user; returns how many were ended. */
  dropAppConnections(): Promise<number>;
  /** Take the server down (clients see a shutdown, then connection refused). */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  destroy(): Promise<void>;
}

export const APP_USER = 'app';
export const APP_DATABASE = 'appdb';
const SUPERUSER = 'postgres';

export function newPassword(): string {
  return 'pw-' + randomBytes(18).toString('hex');
}

/**
 * The PostgreSQL binaries `local serve` would use (`--postgres auto`: the system's, else the
 * embedded ones, installed once into the cache with a line saying so), found once per process.
 */
let found: PostgresBinaries | undefined;
export function postgresBinaries(): PostgresBinaries {
  found ??= findPostgres('auto', (line) => console.log(line));
  return found;
}

export async function startDatabase(certs: TestCertificates): Promise<RealPostgres> {
  return RealPostgres.start(certs);
}

function sqlLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * A PostgreSQL server as `local serve` starts it (src/local/services/rds/server.ts: TLS required
 * for TCP, SCRAM passwords), in a temporary directory, plus the application role and database
 * the handler tests log in to.
 */
export class RealPostgres implements TestDatabase {
  public static async start(certs: TestCertificates): Promise<RealPostgres> {
    const dir = makeTempDir('pg');
    const runAs = serviceUser();
    const pg = new RealPostgres(dir, await freePort(), certificatesIn(dir, certs), runnableBy(postgresBinaries(), runAs, dir), runAs);
    chownRecursive(dir, runAs);
    try {
      await pg.startServer();
      await pg.adminQuery(`CREATE ROLE ${APP_USER} LOGIN PASSWORD ${sqlLiteral(pg.password)}`);
      await pg.adminQuery(`ALTER DATABASE ${APP_DATABASE} OWNER TO ${APP_USER}`);
    } catch (err) {
      await pg.destroy();
      throw err;
    }
    return pg;
  }

  public readonly host = '127.0.0.1';
  public readonly database = APP_DATABASE;
  public readonly user = APP_USER;
  public password = newPassword();
  private readonly supervisor = new Supervisor();
  private running: RunningPostgres | undefined;
  private admin: Client | undefined;

  private constructor(
    public readonly dir: string,
    public readonly port: number,
    private readonly certs: Certificates,
    private readonly binaries: PostgresBinaries,
    private readonly runAs: RunAs | undefined,
  ) {}

  public get logFile(): string {
    return path.join(this.dir, 'postgres.log');
  }

  public async startServer(): Promise<void> {
    if (this.running) return;
    this.running = await startPostgres(this.supervisor, {
      binaries: this.binaries,
      placement: loopback('database'),
      port: this.port,
      dataDir: path.join(this.dir, 'data'),
      ephemeral: true,
      runDir: this.dir,
      certs: this.certs,
      superuser: SUPERUSER,
      password: newPassword(),
      database: APP_DATABASE,
      runAs: this.runAs,
    });
  }

  public async stopServer(): Promise<void> {
    await this.closeAdmin();
    const running = this.running;
    this.running = undefined;
    await running?.stop();
  }

  private async closeAdmin(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.end().catch(() => undefined);
  }

  public async adminQuery<R = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    if (!this.admin) {
      const client = new Client({ host: this.dir, port: this.port, user: SUPERUSER, database: 'postgres' });
      client.on('error', () => undefined);
      await client.connect();
      this.admin = client;
    }
    const res = await this.admin.query(sql, params);
    return res.rows as R[];
  }

  public async rotatePassword(password: string): Promise<void> {
    await this.running!.setPassword(APP_USER, password);
    this.password = password;
  }

  public dropAppConnections(): Promise<number> {
    return this.running!.endSessions(APP_USER);
  }

  public async destroy(): Promise<void> {
    await this.closeAdmin();
    this.running = undefined;
    await this.supervisor.stop();
    removeDir(this.dir);
  }
}
