import { spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Client } from 'pg';
import { TestCertificates } from './certs';
import { PgliteDatabase } from './pglite';
import { chownRecursive, freePort, makeTempDir, removeDir, RunAs, serviceUser } from './util';

export { PGLITE_LIMITATIONS } from './pglite';

/** What the harness runs the handler against: real PostgreSQL 15, or PGlite behind a TLS terminator. */
export interface TestDatabase {
  readonly kind: 'postgres' | 'pglite';
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** The application user's current password. */
  readonly password: string;
  /** Features this backend lacks, each with the reason (tests that need them are skipped, loudly). */
  readonly unsupported: {
    readonly passwordAuth?: string;
    readonly terminateBackend?: string;
  };
  /** A superuser query, bypassing TLS/auth. */
  adminQuery<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** ALTER USER ... PASSWORD (password rotation). */
  rotatePassword(newPassword: string): Promise<void>;
  /** Kill every connection of the application user; returns how many were killed. */
  dropAppConnections(): Promise<number>;
  /** Take the server down (clients see a shutdown / connection refused). */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  destroy(): Promise<void>;
}

export const APP_USER = 'app';
export const APP_DATABASE = 'appdb';

export function newPassword(): string {
  return 'pw-' + randomBytes(18).toString('hex');
}

/** Directory of PostgreSQL server binaries (PG_BIN, else the newest /usr/lib/postgresql/N/bin). */
export function findPostgresBin(): string | undefined {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv && fs.existsSync(path.join(fromEnv, 'initdb'))) {
    return fromEnv;
  }
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) {
    return undefined;
  }
  const versions = fs.readdirSync(base)
    .filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? path.join(base, versions[0], 'bin') : undefined;
}

/**
 * Which backend to use: `SLP_TEST_DB=pglite` forces PGlite, `SLP_TEST_DB=postgres` requires real
 * PostgreSQL; otherwise real PostgreSQL when its binaries exist, else PGlite.
 */
export function chooseBackend(): 'postgres' | 'pglite' {
  const forced = (process.env.SLP_TEST_DB ?? '').toLowerCase();
  if (forced === 'pglite') {
    return 'pglite';
  }
  const bin = findPostgresBin();
  if (forced === 'postgres' && !bin) {
    throw new Error('SLP_TEST_DB=postgres but no PostgreSQL binaries were found (set PG_BIN or install postgresql-15)');
  }
  return bin ? 'postgres' : 'pglite';
}

export async function startDatabase(certs: TestCertificates): Promise<TestDatabase> {
  if (chooseBackend() === 'postgres') {
    return RealPostgres.start(findPostgresBin()!, certs);
  }
  return PgliteDatabase.start(certs);
}

function run(cmd: string, args: string[], who: RunAs | undefined, env: NodeJS.ProcessEnv = {}): string {
  const res = spawnSync(cmd, args, {
    uid: who?.uid,
    gid: who?.gid,
    env: { PATH: process.env.PATH, LANG: 'C.UTF-8', ...env },
    encoding: 'utf8',
    timeout: 60000,
  });
  if (res.status !== 0) {
    throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed (${res.status}): ${res.stderr || res.stdout || res.error}`);
  }
  return res.stdout;
}

function sqlLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A real PostgreSQL server in a temp dir: TLS required for TCP, SCRAM passwords. */
export class RealPostgres implements TestDatabase {
  public static async start(binDir: string, certs: TestCertificates): Promise<RealPostgres> {
    const pg = new RealPostgres(binDir, await freePort());
    await pg.init(certs);
    return pg;
  }

  public readonly kind = 'postgres' as const;
  public readonly host = '127.0.0.1';
  public readonly database = APP_DATABASE;
  public readonly user = APP_USER;
  public readonly unsupported = {};
  public password = newPassword();
  public readonly dir: string;
  private readonly dataDir: string;
  private readonly who = serviceUser();
  private admin: Client | undefined;

  private constructor(private readonly binDir: string, public readonly port: number) {
    this.dir = makeTempDir('pg');
    this.dataDir = path.join(this.dir, 'data');
  }

  public get logFile(): string {
    return path.join(this.dir, 'postgres.log');
  }

  private async init(certs: TestCertificates): Promise<void> {
    const tlsDir = path.join(this.dir, 'tls');
    fs.mkdirSync(tlsDir);
    fs.copyFileSync(certs.certFile, path.join(tlsDir, 'server.pem'));
    fs.copyFileSync(certs.keyFile, path.join(tlsDir, 'server.key'));
    fs.chmodSync(path.join(tlsDir, 'server.key'), 0o600);
    chownRecursive(this.dir, this.who);
    run(path.join(this.binDir, 'initdb'), ['-D', this.dataDir, '-U', 'postgres', '--auth-local=trust', '--auth-host=reject',
      '-E', 'UTF8', '--no-sync', '--no-instructions'], this.who);
    fs.appendFileSync(path.join(this.dataDir, 'postgresql.conf'), [
      '',
      "listen_addresses = '127.0.0.1'",
      `port = ${this.port}`,
      `unix_socket_directories = '${this.dir}'`,
      'ssl = on',
      `ssl_cert_file = '${path.join(tlsDir, 'server.pem')}'`,
      `ssl_key_file = '${path.join(tlsDir, 'server.key')}'`,
      "ssl_min_protocol_version = 'TLSv1.2'",
      "password_encryption = 'scram-sha-256'",
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'shared_buffers = 16MB',
      'max_connections = 40',
      'log_connections = on',
      '',
    ].join('\n'));
    // TCP only with TLS (hostssl) and SCRAM; plain TCP rejected: the handler must use TLS.
    fs.writeFileSync(path.join(this.dataDir, 'pg_hba.conf'), [
      'local all all trust',
      'hostssl all all 127.0.0.1/32 scram-sha-256',
      'hostssl all all ::1/128 scram-sha-256',
      'host all all all reject',
      '',
    ].join('\n'));
    await this.startServer();
    await this.adminQuery(`CREATE ROLE ${APP_USER} LOGIN PASSWORD ${sqlLiteral(this.password)}`);
    await this.adminQuery(`CREATE DATABASE ${APP_DATABASE} OWNER ${APP_USER}`);
  }

  public async startServer(): Promise<void> {
    run(path.join(this.binDir, 'pg_ctl'), ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', '30', 'start'], this.who);
  }

  public async stopServer(): Promise<void> {
    await this.closeAdmin();
    run(path.join(this.binDir, 'pg_ctl'), ['-D', this.dataDir, '-m', 'fast', '-w', 'stop'], this.who);
  }

  private async closeAdmin(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.end().catch(() => undefined);
  }

  public async adminQuery<R = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    if (!this.admin) {
      const client = new Client({ host: this.dir, port: this.port, user: 'postgres', database: 'postgres' });
      client.on('error', () => undefined);
      await client.connect();
      this.admin = client;
    }
    const res = await this.admin.query(sql, params);
    return res.rows as R[];
  }

  public async rotatePassword(password: string): Promise<void> {
    await this.adminQuery(`ALTER ROLE ${APP_USER} PASSWORD ${sqlLiteral(password)}`);
    this.password = password;
  }

  public async dropAppConnections(): Promise<number> {
    const rows = await this.adminQuery<{ n: string }>(
      'SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()',
      [APP_USER]);
    return Number(rows[0]?.n ?? 0);
  }

  public async destroy(): Promise<void> {
    await this.closeAdmin();
    try {
      run(path.join(this.binDir, 'pg_ctl'), ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop'], this.who);
    } catch {
      // already stopped
    }
    removeDir(this.dir);
  }
}
