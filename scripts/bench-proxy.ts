/**
 * The local RDS Proxy (the front: startup rules, TLS, pinning classification; PgBouncer behind
 * it) against PgBouncer alone as the stack ran it before (TLS and SCRAM from clients), on the same
 * PostgreSQL and login: per-query round trips of one client, side by side.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { percentile } from './bench-stats';
import { Supervisor } from '../src/local/platform/supervisor';
import { freePort, serviceUser } from '../src/local/platform/system';
import { makeCertificates } from '../src/local/platform/tls';
import { findPgbouncer, startPgbouncer } from '../src/local/services/rds-proxy/pgbouncer';

/** What `local serve` printed: its database, the app login, its CA and the proxy's port. */
export interface ServedDatabase {
  readonly host: string;
  readonly port: number;
  readonly name: string;
  readonly user: string;
  readonly password: string;
  readonly caFile: string;
  readonly proxyPort: number;
}

/** Reads the `database:` and `password:` lines of `local serve`. */
export function servedDatabase(out: string): ServedDatabase {
  const [, user, host, port, name] = /^database: postgres:\/\/(\w+)@([\d.]+):(\d+)\/(\w+)$/m.exec(out)!;
  const [, pgpass, caFile, proxyPort] = /^ {2}password: in (\S+) .*; TLS CA (\S+); through the proxy: port (\d+)$/m.exec(out)!;
  const line = fs.readFileSync(pgpass, 'utf8').split('\n').find((l) => l.split(':')[3] === user)!;
  return { host, port: Number(port), name, user, password: line.split(':').slice(4).join(':').replace(/\\(.)/g, '$1'), caFile, proxyPort: Number(proxyPort) };
}

const f = (n: number) => n.toFixed(3).padStart(10);

async function roundTrips(client: Client, queries: number): Promise<{ simple: number[]; extended: number[] }> {
  const simple: number[] = [];
  const extended: number[] = [];
  for (let i = 0; i < queries + 100; i++) {
    let t = process.hrtime.bigint();
    await client.query('SELECT 1');
    if (i >= 100) simple.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    await client.query('SELECT $1::int AS n', [i]);
    if (i >= 100) extended.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { simple, extended };
}

/** Prints the proxy rows: p50 / p90 / p99 per query through each, and what the front adds at p50. */
export async function benchProxy(db: ServedDatabase, queries: number): Promise<void> {
  const bin = findPgbouncer();
  if (!bin) {
    console.log('proxy: PgBouncer is not installed; no proxy rows');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slp-bench-proxy-'));
  fs.chmodSync(dir, 0o755);
  const supervisor = new Supervisor();
  try {
    const certs = { ...makeCertificates(dir), caFile: db.caFile };
    const port = await freePort();
    await startPgbouncer(supervisor, {
      bin,
      placement: { tier: 'application', host: '127.0.0.1' },
      port,
      upstream: { host: db.host, port: db.port, database: db.name },
      users: [{ username: db.user, password: db.password }],
      certs,
      runDir: supervisor.makeTempDir('bench-pgbouncer'),
      runAs: serviceUser(),
      requireTls: true,
      idleClientTimeoutSeconds: 1800,
      borrowTimeoutSeconds: 120,
    });
    const targets: Array<[string, number, string]> = [
      ['PgBouncer alone (TLS, SCRAM)', port, certs.caPem],
      ['local RDS Proxy (front + PgBouncer)', db.proxyPort, fs.readFileSync(db.caFile, 'utf8')],
    ];
    console.log(`\nper query, ms: one client, ${queries} sequential queries each (after 100 to warm up)`);
    console.log(`${''.padEnd(56)}${['p50', 'p90', 'p99'].map((p) => `${p}`.padStart(10)).join('')}`);
    const p50s: Record<string, number[]> = {};
    for (const [label, target, ca] of targets) {
      const client = new Client({ host: '127.0.0.1', port: target, user: db.user, password: db.password, database: db.name, ssl: { ca, servername: 'localhost' } });
      await client.connect();
      const { simple, extended } = await roundTrips(client, queries);
      await client.end();
      for (const [kind, values] of [['simple query', simple], ['unnamed extended', extended]] as const) {
        console.log(`${`${label}, ${kind}`.padEnd(56)}${[50, 90, 99].map((p) => f(percentile(values, p))).join('')}`);
        (p50s[kind] ??= []).push(percentile(values, 50));
      }
    }
    for (const [kind, [alone, front]] of Object.entries(p50s)) {
      console.log(`added by the front at p50, ${kind}: ${(front - alone).toFixed(3)} ms (${(front / alone).toFixed(2)}x PgBouncer alone; target ≤ 0.300 ms)`);
    }
  } finally {
    await supervisor.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
