import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

// Shared with the local stack, which starts the same servers.
export { chownRecursive, freePort, serviceUser } from '../../src/local/platform/system';
export type { RunAs } from '../../src/local/platform/system';
import { findExecutable as find } from '../../src/local/platform/system';

/** Find an executable on PATH, in the given directories, or in the sbin directories. */
export function findExecutable(name: string, extraDirs: string[] = []): string | undefined {
  return find(name, [...extraDirs, '/usr/sbin', '/usr/local/sbin', '/sbin']);
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `slp-${prefix}-`));
}

export function removeDir(dir: string | undefined): void {
  if (dir) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Resolve when something accepts TCP connections on host:port. */
export async function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect({ port, host });
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`);
    }
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * A loopback TCP server that accepts connections and never answers: an endpoint that hangs (a
 * stalled Secrets Manager or JWKS endpoint). Counts what connected.
 */
export class BlackHole {
  public static async start(): Promise<BlackHole> {
    const hole = new BlackHole();
    await new Promise<void>((resolve) => hole.server.listen(0, '127.0.0.1', () => resolve()));
    return hole;
  }

  public connections = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((socket) => {
    this.connections++;
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  });

  public get url(): string {
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  public async stop(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A TCP forwarder listening on `listenHost` (any port) to `target`: the same server under another address. */
export async function tcpForwarder(listenHost: string, target: { host: string; port: number }): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, listenHost, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
