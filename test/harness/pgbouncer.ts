import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { TestCertificates } from './certs';
import { chownRecursive, findExecutable, freePort, makeTempDir, removeDir, serviceUser, waitForPort } from './util';

export function findPgbouncer(): string | undefined {
  return findExecutable('pgbouncer', process.env.PGBOUNCER_BIN ? [process.env.PGBOUNCER_BIN] : []);
}

/** The PostgreSQL database PgBouncer serves, and the one user it logs in as (like a proxy's secret). */
export interface PgBouncerUpstream {
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** Read again by {@link PgBouncer.syncPassword}. */
  readonly password: string;
}

/**
 * PgBouncer in transaction pool mode, the local stand-in for RDS Proxy: clients must use TLS
 * (client_tls_sslmode=require, the test certificate), and it reaches PostgreSQL over TLS with
 * full verification against the test CA, authenticating with SCRAM.
 */
/** Settings of a {@link PgBouncer}. */
export interface PgBouncerOptions {
  /** Server connections per user and database (`default_pool_size`). @default 5 */
  readonly poolSize?: number;
  /** Close client connections idle this long, as RDS Proxy's idle client timeout does. @default never */
  readonly clientIdleTimeoutSeconds?: number;
}

export class PgBouncer {
  public static async start(pg: PgBouncerUpstream, certs: TestCertificates, options: PgBouncerOptions = {}): Promise<PgBouncer> {
    const bin = findPgbouncer();
    if (!bin) {
      throw new Error('pgbouncer is not installed');
    }
    const b = new PgBouncer(bin, await freePort(), pg, certs, options.poolSize ?? 5, options.clientIdleTimeoutSeconds ?? 0);
    await b.launch();
    return b;
  }

  public readonly host = '127.0.0.1';
  private readonly dir = makeTempDir('pgbouncer');
  private child: ChildProcess | undefined;
  private generation = 0;
  private readonly who = serviceUser();

  private constructor(
    private readonly bin: string,
    public readonly port: number,
    private readonly pg: PgBouncerUpstream,
    private readonly certs: TestCertificates,
    private readonly poolSize: number,
    private readonly clientIdleTimeoutSeconds: number,
  ) {}

  /** Stop the process (SIGSTOP): the kernel still accepts connections, nothing answers them. */
  public freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  public thaw(): void {
    this.child?.kill('SIGCONT');
  }

  public get logFile(): string {
    return path.join(this.dir, 'pgbouncer.log');
  }

  private writeUserlist(): void {
    // Plain-text entries let PgBouncer run SCRAM with both the client and the server.
    const file = path.join(this.dir, 'userlist.txt');
    fs.writeFileSync(file, `"${this.pg.user}" "${this.pg.password}"\n`);
    fs.chmodSync(file, 0o600);
    chownRecursive(file, this.who);
    // PgBouncer skips re-reading an auth file whose mtime and size did not change; a rotation
    // within the same second with a same-length password would otherwise be ignored.
    const stamp = Math.floor(Date.now() / 1000) + 10 * ++this.generation;
    fs.utimesSync(file, stamp, stamp);
  }

  /** After a password rotation: rewrite the auth file and reload (SIGHUP), as RDS Proxy re-reads its secret. */
  public async syncPassword(): Promise<void> {
    this.writeUserlist();
    const logSize = fs.existsSync(this.logFile) ? fs.statSync(this.logFile).size : 0;
    this.child?.kill('SIGHUP');
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const log = fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8').slice(logSize) : '';
      if (/got SIGHUP|RELOAD/i.test(log)) {
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('pgbouncer did not reload its configuration');
  }

  private writeConfig(): string {
    const tlsKey = path.join(this.dir, 'server.key');
    fs.copyFileSync(this.certs.keyFile, tlsKey);
    fs.copyFileSync(this.certs.certFile, path.join(this.dir, 'server.pem'));
    fs.copyFileSync(this.certs.caFile, path.join(this.dir, 'ca.pem'));
    fs.chmodSync(tlsKey, 0o600);
    this.writeUserlist();
    const ini = path.join(this.dir, 'pgbouncer.ini');
    fs.writeFileSync(ini, [
      '[databases]',
      `${this.pg.database} = host=localhost port=${this.pg.port} dbname=${this.pg.database}`,
      '',
      '[pgbouncer]',
      `listen_addr = ${this.host}`,
      `listen_port = ${this.port}`,
      'unix_socket_dir =',
      `logfile = ${this.logFile}`,
      `pidfile = ${path.join(this.dir, 'pgbouncer.pid')}`,
      'auth_type = scram-sha-256',
      `auth_file = ${path.join(this.dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      'max_client_conn = 100',
      `default_pool_size = ${this.poolSize}`,
      'server_reset_query =',
      `client_idle_timeout = ${this.clientIdleTimeoutSeconds}`,
      'ignore_startup_parameters = extra_float_digits,options',
      'client_tls_sslmode = require',
      `client_tls_key_file = ${tlsKey}`,
      `client_tls_cert_file = ${path.join(this.dir, 'server.pem')}`,
      'server_tls_sslmode = verify-full',
      `server_tls_ca_file = ${path.join(this.dir, 'ca.pem')}`,
      '',
    ].join('\n'));
    chownRecursive(this.dir, this.who);
    return ini;
  }

  private async launch(): Promise<void> {
    const ini = this.writeConfig();
    const child = spawn(this.bin, [ini], { uid: this.who?.uid, gid: this.who?.gid, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    this.child = child;
    try {
      await Promise.race([
        waitForPort(this.port),
        new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`pgbouncer exited with ${code}: ${stderr}`)))),
      ]);
    } catch (err) {
      const log = fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
      throw new Error(`${(err as Error).message}\n${log}`);
    }
  }

  public async stop(): Promise<void> {
    if (process.env.SLP_DUMP_LOGS && fs.existsSync(this.logFile)) {
      console.log(`pgbouncer log:\n${fs.readFileSync(this.logFile, 'utf8')}`);
    }
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGCONT');
        child.kill('SIGINT');
        setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 3000).unref();
      });
    }
    removeDir(this.dir);
  }
}
