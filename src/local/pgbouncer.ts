import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from './errors';
import { waitForListening } from './isolate/probe';
import { Placement } from './placement';
import { Supervisor } from './supervisor';
import { chownRecursive, findExecutable, RunAs } from './system';
import { Certificates } from './tls';

/** PgBouncer on PATH (or in the sbin directories), or undefined. */
export function findPgbouncer(): string | undefined {
  return findExecutable('pgbouncer', ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/opt/homebrew/bin']);
}

export interface PgbouncerOptions {
  readonly bin: string;
  readonly placement: Placement;
  readonly port: number;
  readonly upstream: { readonly host: string; readonly port: number; readonly database: string };
  readonly user: string;
  readonly password: string;
  readonly certs: Certificates;
  readonly runDir: string;
  readonly runAs?: RunAs;
  /** The proxy's `RequireTLS`. */
  readonly requireTls: boolean;
  /** The proxy's `IdleClientTimeout`, seconds. */
  readonly idleClientTimeoutSeconds: number;
}

/**
 * PgBouncer in transaction pool mode, the stand-in for RDS Proxy: TLS from clients (required
 * when the proxy requires it), TLS with full verification to PostgreSQL, SCRAM both ways, and
 * the proxy's idle client timeout.
 */
export async function startPgbouncer(supervisor: Supervisor, o: PgbouncerOptions): Promise<void> {
  const file = (name: string) => path.join(o.runDir, name);
  fs.copyFileSync(o.certs.keyFile, file('pgbouncer.key'));
  fs.chmodSync(file('pgbouncer.key'), 0o600);
  // A plain-text entry lets PgBouncer run SCRAM with the client and with the server.
  fs.writeFileSync(file('userlist.txt'), `"${o.user.replace(/"/g, '""')}" "${o.password.replace(/"/g, '""')}"\n`, { mode: 0o600 });
  fs.writeFileSync(file('pgbouncer.ini'), [
    '[databases]',
    `* = host=${o.upstream.host} port=${o.upstream.port}`,
    '[pgbouncer]',
    `listen_addr = ${o.placement.host}`,
    `listen_port = ${o.port}`,
    'unix_socket_dir =',
    `logfile = ${file('pgbouncer.log')}`,
    'auth_type = scram-sha-256',
    `auth_file = ${file('userlist.txt')}`,
    'pool_mode = transaction',
    'max_client_conn = 1000',
    'default_pool_size = 20',
    `client_idle_timeout = ${o.idleClientTimeoutSeconds}`,
    'server_reset_query =',
    'ignore_startup_parameters = extra_float_digits,options',
    `client_tls_sslmode = ${o.requireTls ? 'require' : 'allow'}`,
    `client_tls_key_file = ${file('pgbouncer.key')}`,
    `client_tls_cert_file = ${o.certs.certFile}`,
    'server_tls_sslmode = verify-full',
    `server_tls_ca_file = ${o.certs.caFile}`,
    '',
  ].join('\n'));
  chownRecursive(o.runDir, o.runAs);
  const child = supervisor.spawn('PgBouncer', o.placement, o.bin, [file('pgbouncer.ini')], { uid: o.runAs?.uid, gid: o.runAs?.gid });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout!.resume();
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => {
    const log = fs.existsSync(file('pgbouncer.log')) ? fs.readFileSync(file('pgbouncer.log'), 'utf8') : '';
    const why = (stderr + log).split('\n').find((l) => /FATAL|ERROR/.test(l)) ?? `exit code ${code}`;
    reject(new UsageError(`PgBouncer failed to start: ${why.trim()}`));
  }));
  const listening = waitForListening(o.placement, o.placement.host, o.port, 10_000).then((ok) => {
    if (!ok) throw new UsageError(`PgBouncer did not listen on ${o.placement.host}:${o.port} within 10 s`);
  });
  await Promise.race([listening, exited]);
}
