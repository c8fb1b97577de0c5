// PGlite, the fallback when no PostgreSQL server binaries are installed: it speaks PostgreSQL's
// protocol but has no TLS, so a terminator in front of it gives clients the TLS-only server they meet in RDS.
import { ChildProcess, fork } from 'child_process';
import * as net from 'net';
import * as path from 'path';
import * as tls from 'tls';
import { Client } from 'pg';
import { TestCertificates } from './certs';
import { APP_DATABASE, APP_USER, newPassword, TestDatabase } from './database';
import { freePort } from './util';

/** What PGlite cannot do, with the reason shown when the tests that need it are skipped. */
export const PGLITE_LIMITATIONS = {
  passwordAuth: 'PGlite (via pglite-socket) performs no password authentication, so a rotated or wrong password cannot be rejected',
  terminateBackend: 'PGlite is a single embedded backend: pg_terminate_backend is a no-op (connections are dropped at the TLS terminator instead)',
} as const;

/**
 * Accepts PostgreSQL clients on TCP, answers the 8-byte SSLRequest with 'S', upgrades the socket to
 * TLS with the test certificate and pipes the plaintext to an upstream server (PGlite has no TLS).
 * Clients that do not ask for TLS are cut off, like a `hostssl`-only server.
 */
export class TlsTerminator {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();

  constructor(private readonly upstreamPort: number, private readonly certs: TestCertificates, public readonly port: number) {}

  public async listen(): Promise<void> {
    const server = net.createServer((sock) => this.accept(sock));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  private accept(sock: net.Socket): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => undefined);
    sock.once('readable', () => this.onFirstBytes(sock));
  }

  private onFirstBytes(sock: net.Socket): void {
    const head = sock.read(8) as Buffer | null;
    if (!head) {
      sock.once('readable', () => this.onFirstBytes(sock));
      return;
    }
    const isSslRequest = head.readUInt32BE(0) === 8 && head.readUInt32BE(4) === 80877103;
    if (!isSslRequest) {
      sock.destroy();
      return;
    }
    sock.write('S');
    const secure = new tls.TLSSocket(sock, { isServer: true, key: this.certs.keyPem, cert: this.certs.certPem, minVersion: 'TLSv1.2' });
    secure.on('error', () => {
      secure.destroy();
      sock.destroy();
    });
    const upstream = net.connect({ port: this.upstreamPort, host: '127.0.0.1' });
    const pair = { client: sock, upstream };
    this.pairs.add(pair);
    upstream.on('error', () => secure.destroy());
    upstream.on('close', () => {
      this.pairs.delete(pair);
      secure.destroy();
    });
    secure.on('close', () => {
      this.pairs.delete(pair);
      upstream.destroy();
    });
    secure.pipe(upstream);
    upstream.pipe(secure);
  }

  /** Cut every proxied connection, like a proxy or server dropping idle clients. */
  public dropAll(): number {
    const n = this.pairs.size;
    for (const { client, upstream } of this.pairs) {
      upstream.destroy();
      client.destroy();
    }
    this.pairs.clear();
    return n;
  }

  public async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.dropAll();
    for (const s of this.sockets) {
      s.destroy();
    }
    if (server) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}

/** PGlite in a child process, reached through {@link TlsTerminator}. */
export class PgliteDatabase implements TestDatabase {
  public static async start(certs: TestCertificates): Promise<PgliteDatabase> {
    const child = fork(path.join(__dirname, 'pglite-server.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const upstreamPort = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('PGlite did not start within 120 s')), 120000);
      child.once('message', (msg: { type: string; port?: number; message?: string }) => {
        clearTimeout(timer);
        if (msg.type === 'ready' && msg.port) {
          resolve(msg.port);
        } else {
          reject(new Error(`PGlite failed to start: ${msg.message}`));
        }
      });
      child.once('exit', (code) => reject(new Error(`PGlite server exited with ${code}`)));
    });
    const terminator = new TlsTerminator(upstreamPort, certs, await freePort());
    await terminator.listen();
    return new PgliteDatabase(child, upstreamPort, terminator);
  }

  public readonly kind = 'pglite' as const;
  public readonly host = '127.0.0.1';
  // PGlite serves one database as one user whatever the startup packet says.
  public readonly database = APP_DATABASE;
  public readonly user = APP_USER;
  public password = newPassword();
  public readonly unsupported = PGLITE_LIMITATIONS;
  private admin: Client | undefined;

  private constructor(private readonly child: ChildProcess, private readonly upstreamPort: number, private readonly terminator: TlsTerminator) {}

  public get port(): number {
    return this.terminator.port;
  }

  public async adminQuery<R = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    if (!this.admin) {
      const client = new Client({ host: '127.0.0.1', port: this.upstreamPort, user: 'postgres', database: 'postgres' });
      client.on('error', () => undefined);
      await client.connect();
      this.admin = client;
    }
    return (await this.admin.query(sql, params)).rows as R[];
  }

  public async rotatePassword(password: string): Promise<void> {
    this.password = password;
  }

  public async dropAppConnections(): Promise<number> {
    return this.terminator.dropAll();
  }

  public async stopServer(): Promise<void> {
    await this.terminator.close();
  }

  public async startServer(): Promise<void> {
    await this.terminator.listen();
  }

  public async destroy(): Promise<void> {
    await this.admin?.end().catch(() => undefined);
    await this.terminator.close();
    if (this.child.connected) {
      this.child.disconnect();
    }
    await new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) {
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        resolve();
      }, 5000);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
