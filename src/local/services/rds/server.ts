import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Client } from 'pg';
import { PostgresBinaries } from './binaries';
import { UsageError } from '../../../io';
import { Placement } from '../../platform/placement';
import { Supervisor } from '../../platform/supervisor';
import { chownRecursive, RunAs } from '../../platform/system';
import { Certificates } from '../../platform/tls';

export interface PostgresOptions {
  readonly binaries: PostgresBinaries;
  readonly placement: Placement;
  readonly port: number;
  /** The data directory; initialised when empty or missing. */
  readonly dataDir: string;
  /** Whether the data directory is thrown away after the run (durability settings off). */
  readonly ephemeral: boolean;
  /** Where the socket, configuration, TLS files and log go (owned by `runAs`). */
  readonly runDir: string;
  readonly certs: Certificates;
  readonly superuser: string;
  readonly password: string;
  readonly database: string;
  readonly runAs?: RunAs;
}

/** A running server, and what the fault checks do to it. */
export interface RunningPostgres {
  readonly pid: number;
  /** Fast shutdown (what `pg_ctl stop -m fast` does: sessions are ended), until it has exited. */
  stop(): Promise<void>;
  /** Start it again on the same data directory. */
  restart(): Promise<RunningPostgres>;
  /** Give a role a new password, as the superuser over the local socket (what a rotation does). */
  setPassword(role: string, password: string): Promise<void>;
  /** End a role's sessions (as a failover or an idle timeout would): its next logins use its password again. */
  endSessions(role: string): Promise<number>;
}

const sql = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
const ENV = { PATH: process.env.PATH, LANG: 'C', LC_ALL: 'C' };

/**
 * A real PostgreSQL server like the RDS instance the template describes: TLS on (the run's CA)
 * and required for every TCP connection (`hostssl` only: `rds.force_ssl = 1`), SCRAM passwords,
 * the template's master user (with a password generated for this run) and database.
 */
export async function startPostgres(supervisor: Supervisor, o: PostgresOptions): Promise<RunningPostgres> {
  initDataDir(o);
  const hba = path.join(o.runDir, 'pg_hba.conf');
  fs.writeFileSync(hba, ['local all all trust', 'hostssl all all 0.0.0.0/0 scram-sha-256', 'hostssl all all ::/0 scram-sha-256', 'host all all all reject', ''].join('\n'));
  const key = path.join(o.runDir, 'postgres-server.key');
  fs.copyFileSync(o.certs.keyFile, key);
  fs.chmodSync(key, 0o600);
  chownRecursive(o.runDir, o.runAs);
  const settings: Record<string, string | number> = {
    listen_addresses: o.placement.host,
    port: o.port,
    unix_socket_directories: o.runDir,
    hba_file: hba,
    ssl: 'on',
    ssl_cert_file: o.certs.certFile,
    ssl_key_file: key,
    ssl_min_protocol_version: 'TLSv1.2',
    password_encryption: 'scram-sha-256',
    max_connections: 100,
    shared_buffers: '32MB',
    ...(o.ephemeral ? { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } : {}),
  };
  const args = ['-D', o.dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const child = supervisor.spawn('PostgreSQL', o.placement, path.join(o.binaries.binDir, 'postgres'), args, { env: ENV, uid: o.runAs?.uid, gid: o.runAs?.gid, stopSignal: 'SIGINT' });
  const log = fs.createWriteStream(path.join(o.runDir, 'postgres.log'));
  const lines: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new UsageError(`PostgreSQL did not start within 30 s (log: ${lines.slice(-3).join(' | ')})`)), 30_000);
    let ready = false;
    child.stderr!.on('data', (chunk: Buffer) => {
      log.write(chunk);
      if (ready) return;
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim() !== ''));
      if (lines.some((l) => l.includes('database system is ready to accept connections'))) {
        ready = true;
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new UsageError(`PostgreSQL failed to start: ${startupFailure(lines) ?? `exit code ${code}`} (data directory ${o.dataDir}); fix or remove it, or drop --data-dir`));
    });
  });
  child.stdout!.resume();
  await provision(o);
  return {
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    },
    restart: () => startPostgres(supervisor, o),
    setPassword: async (role, password) => {
      await asSuperuser(o, (client) => client.query(`ALTER ROLE ${ident(role)} PASSWORD ${sql(password)}`));
    },
    endSessions: (role) => asSuperuser(o, async (client) =>
      (await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role])).rowCount ?? 0),
  };
}

async function asSuperuser<T>(o: PostgresOptions, body: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ host: o.runDir, port: o.port, user: o.superuser, database: 'postgres' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await body(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The FATAL line of a failed start, with the LOG line before it when that says why. */
function startupFailure(lines: readonly string[]): string | undefined {
  const strip = (l: string) => l.replace(/^.*?\b(LOG|FATAL|PANIC|ERROR):\s*/, '');
  const i = lines.findIndex((l) => /\b(FATAL|PANIC):/.test(l));
  if (i < 0) return lines.length > 0 ? strip(lines[lines.length - 1]) : undefined;
  const before = i > 0 && /\b(LOG|ERROR):/.test(lines[i - 1]) && !/starting PostgreSQL|listening on|database system/.test(lines[i - 1]) ? `${strip(lines[i - 1])}; ` : '';
  return before + strip(lines[i]);
}

function initDataDir(o: PostgresOptions): void {
  const versionFile = path.join(o.dataDir, 'PG_VERSION');
  const major = o.binaries.version.split('.')[0];
  if (fs.existsSync(versionFile)) {
    const made = fs.readFileSync(versionFile, 'utf8').trim();
    if (made !== major) {
      throw new UsageError(`the data directory ${o.dataDir} was made by PostgreSQL ${made}, these binaries are ${o.binaries.version} (${o.binaries.source}): pass another --data-dir, or choose the engine with --postgres`);
    }
    chownRecursive(o.dataDir, o.runAs);
    return;
  }
  if (fs.existsSync(o.dataDir) && fs.readdirSync(o.dataDir).length > 0) {
    throw new UsageError(`${o.dataDir} is not empty and not a PostgreSQL data directory: pass an empty or new --data-dir`);
  }
  fs.mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  chownRecursive(o.dataDir, o.runAs);
  const out = spawnSync(path.join(o.binaries.binDir, 'initdb'), ['-D', o.dataDir, '-U', o.superuser, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'],
    { env: ENV, uid: o.runAs?.uid, gid: o.runAs?.gid, encoding: 'utf8', timeout: 60_000 });
  if (out.status !== 0) {
    throw new UsageError(`initdb failed: ${(out.stderr || String(out.error)).trim().split('\n').pop()}`);
  }
}

/** Set this run's master password and create the template's database (over the local socket). */
async function provision(o: PostgresOptions): Promise<void> {
  await asSuperuser(o, async (client) => {
    await client.query(`ALTER ROLE ${ident(o.superuser)} PASSWORD ${sql(o.password)}`);
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [o.database]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE ${ident(o.database)}`);
    }
  }).catch((err: Error) => {
    throw new UsageError(`PostgreSQL started but could not be set up as ${o.superuser}: ${err.message} (a --data-dir made for another master user?)`);
  });
}
