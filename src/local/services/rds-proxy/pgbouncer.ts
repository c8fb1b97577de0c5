import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from '../../../io';
import { Placement } from '../../platform/placement';
import { waitForListening } from '../../platform/probe';
import { Supervisor } from '../../platform/supervisor';
import { chownRecursive, findExecutable, RunAs } from '../../platform/system';
import { Certificates } from '../../platform/tls';

/** PgBouncer on PATH (or in the sbin directories), or undefined. */
export function findPgbouncer(): string | undefined {
  return findExecutable('pgbouncer', ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/opt/homebrew/bin']);
}

export interface PgbouncerOptions {
  readonly bin: string;
  readonly placement: Placement;
  readonly port: number;
  readonly upstream: { readonly host: string; readonly port: number; readonly database: string };
  /** The users it serves (the proxy's secrets): the same password to clients and to PostgreSQL. */
  readonly users: ReadonlyArray<{ readonly username: string; readonly password: string }>;
  readonly certs: Certificates;
  readonly runDir: string;
  readonly runAs?: RunAs;
  /** The proxy's `RequireTLS`. */
  readonly requireTls: boolean;
  /** The proxy's `IdleClientTimeout`, seconds. */
  readonly idleClientTimeoutSeconds: number;
  /** The target group's `ConnectionBorrowTimeout`, seconds: how long a client waits for a server connection. */
  readonly borrowTimeoutSeconds: number;
  /**
   * How clients authenticate: SCRAM (over TLS when required), or, behind the local RDS Proxy's
   * front on loopback, the password in the clear (the front has authenticated the client).
   *
   * @default 'scram-sha-256'
   */
  readonly clientAuth?: 'scram-sha-256' | 'plain';
  /** Server connections at most, all pools of the user together (RDS Proxy's MaxConnectionsPercent of max_connections). @default 20 per pool */
  readonly poolSize?: number;
  /** Aliases (name → database) whose pools keep one server connection per client session: where pinned sessions go. */
  readonly sessionAliases?: Readonly<Record<string, string>>;
  /** Idle server connections kept (RDS Proxy's MaxIdleConnectionsPercent of max_connections). @default 0 */
  readonly idlePoolSize?: number;
  /** Seconds an idle server connection above `idlePoolSize` stays open. @default 600 (PgBouncer's) */
  readonly serverIdleTimeoutSeconds?: number;
}

/** A running PgBouncer: its process, and how it takes new passwords (as RDS Proxy rereads its secrets). */
export interface RunningPgbouncer {
  readonly pid: number;
  readonly logFile: string;
  /** Rewrite the auth file and reload; resolves once PgBouncer has logged the reload. */
  setUsers(users: PgbouncerOptions['users']): Promise<void>;
}

const quoted = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * PgBouncer in transaction pool mode, the stand-in for RDS Proxy: TLS from clients (required
 * when the proxy requires it), TLS with full verification to PostgreSQL, SCRAM both ways, and
 * the proxy's idle client timeout.
 */
export async function startPgbouncer(supervisor: Supervisor, o: PgbouncerOptions): Promise<RunningPgbouncer> {
  const file = (name: string) => path.join(o.runDir, name);
  fs.copyFileSync(o.certs.keyFile, file('pgbouncer.key'));
  fs.chmodSync(file('pgbouncer.key'), 0o600);
  // Plain-text entries let PgBouncer run SCRAM with the client and with the server.
  let generation = 0;
  const writeUsers = (users: PgbouncerOptions['users']) => {
    fs.writeFileSync(file('userlist.txt'), users.map((u) => `${quoted(u.username)} ${quoted(u.password)}\n`).join(''), { mode: 0o600 });
    chownRecursive(file('userlist.txt'), o.runAs);
    // PgBouncer skips re-reading an auth file whose mtime and size did not change: a rotation in
    // the same second to a password of the same length would otherwise be ignored.
    const stamp = Math.floor(Date.now() / 1000) + 10 * ++generation;
    fs.utimesSync(file('userlist.txt'), stamp, stamp);
  };
  writeUsers(o.users);
  const plain = o.clientAuth === 'plain';
  const upstream = `host=${o.upstream.host} port=${o.upstream.port}`;
  fs.writeFileSync(file('pgbouncer.ini'), [
    '[databases]',
    ...Object.entries(o.sessionAliases ?? {}).map(([alias, database]) => `${alias} = ${upstream} dbname=${database} pool_mode=session min_pool_size=0`),
    `* = ${upstream}`,
    '[pgbouncer]',
    `listen_addr = ${o.placement.host}`,
    `listen_port = ${o.port}`,
    'unix_socket_dir =',
    `logfile = ${file('pgbouncer.log')}`,
    `auth_type = ${plain ? 'plain' : 'scram-sha-256'}`,
    `auth_file = ${file('userlist.txt')}`,
    'pool_mode = transaction',
    'max_client_conn = 1000',
    `default_pool_size = ${o.poolSize ?? 20}`,
    ...(o.poolSize === undefined ? [] : [`max_user_connections = ${o.poolSize}`]),
    `client_idle_timeout = ${o.idleClientTimeoutSeconds}`,
    `query_wait_timeout = ${o.borrowTimeoutSeconds}`,
    // RDS Proxy keeps at most MaxIdleConnectionsPercent of max_connections idle and closes the
    // rest; PgBouncer closes idle server connections above min_pool_size after server_idle_timeout.
    // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ConnectionPoolConfiguration.html
    `min_pool_size = ${o.idlePoolSize ?? 0}`,
    `server_idle_timeout = ${o.serverIdleTimeoutSeconds ?? 600}`,
    // RDS Proxy tries the instance again for each client that waits; PgBouncer's default turns
    // clients away for 15 s after a failed login, which outlasts the function's timeout.
    'server_login_retry = 0',
    // RDS Proxy lets no client's session state reach another client: a SET inside a transaction
    // (it pins, but the session moves only when the transaction ends) would otherwise stay on
    // the server connection the next client gets. DISCARD ALL after every transaction, in both
    // pool modes (transaction pools run no reset query by default).
    'server_reset_query = DISCARD ALL',
    'server_reset_query_always = 1',
    // RDS Proxy refuses `options` ("doesn't support command-line options"): so does PgBouncer without it here.
    'ignore_startup_parameters = extra_float_digits',
    `client_tls_sslmode = ${plain ? 'disable' : o.requireTls ? 'require' : 'allow'}`,
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
  return {
    pid: child.pid!,
    logFile: file('pgbouncer.log'),
    setUsers: async (users) => {
      const logSize = fileSize(file('pgbouncer.log'));
      writeUsers(users);
      process.kill(child.pid!, 'SIGHUP');
      await reloaded(file('pgbouncer.log'), logSize);
    },
  };
}

const fileSize = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);

/** Until PgBouncer logs the SIGHUP it was sent (its log grew past `from`), at most 5 s. */
async function reloaded(logFile: string, from: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const added = fileSize(logFile) > from ? fs.readFileSync(logFile, 'utf8').slice(from) : '';
    if (/got SIGHUP|RELOAD/i.test(added)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('PgBouncer did not reload its configuration within 5 s');
}
