// The local RDS Proxy's pools, in process (front, PgBouncer, a real PostgreSQL): idle database
// connections above MaxIdleConnectionsPercent are closed, and no client's session state reaches
// another client through a shared server connection.
import * as fs from 'fs';
import { Client } from 'pg';
import { Supervisor } from '../../../src/local/platform/supervisor';
import { RunningFront } from '../../../src/local/services/rds-proxy/front';
import { findPgbouncer } from '../../../src/local/services/rds-proxy/pgbouncer';
import { makeCertificates, TestCertificates } from '../../harness/certs';
import { startDatabase, TestDatabase } from '../../harness/database';
import { LocalProxyOptions, startLocalProxy } from '../../harness/rds-proxy';
import { makeTempDir, removeDir } from '../../harness/util';

jest.setTimeout(60_000);

const unavailable = findPgbouncer() ? undefined : 'PgBouncer is not installed';
const maybe = unavailable ? describe.skip : describe;

let dir: string;
let certs: TestCertificates;
let db: TestDatabase;
let supervisor: Supervisor;
const fronts: RunningFront[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  if (unavailable) return;
  dir = makeTempDir('pool-state');
  fs.chmodSync(dir, 0o755);
  certs = makeCertificates(dir);
  db = await startDatabase(certs);
  supervisor = new Supervisor();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
});

afterAll(async () => {
  if (unavailable) return;
  await Promise.all(fronts.map((f) => f.close()));
  await supervisor.stop();
  await db.destroy();
  removeDir(dir);
});

/** A local RDS Proxy of this many server connections; its port. */
async function proxy(poolSize: number, idle: Pick<LocalProxyOptions, 'idlePoolSize' | 'serverIdleTimeoutSeconds'> = {}): Promise<number> {
  const front = await startLocalProxy(supervisor, db, certs, { poolSize, borrowTimeoutSeconds: 5, ...idle });
  fronts.push(front);
  return front.port;
}

async function connect(port: number): Promise<Client> {
  const client = new Client({
    host: '127.0.0.1',
    port,
    user: db.user,
    password: db.password,
    database: db.database,
    ssl: { ca: certs.caPem, servername: 'localhost' },
  });
  clients.push(client);
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** The app role's backends on the instance: the proxy's server connections. */
async function serverConnections(): Promise<number> {
  const rows = await db.adminQuery<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1', [db.user]);
  return rows[0].n;
}

/** Polls `serverConnections` until it equals `expected` or 20 s pass; the last count. */
async function settlesAt(expected: number): Promise<number> {
  const deadline = Date.now() + 20_000;
  let n = await serverConnections();
  while (n !== expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    n = await serverConnections();
  }
  return n;
}

maybe('MaxIdleConnectionsPercent', () => {
  test('after a burst, the idle server connections fall to the idle limit, not to the burst', async () => {
    const BURST = 5;
    const IDLE = 2;
    const port = await proxy(BURST, { idlePoolSize: IDLE, serverIdleTimeoutSeconds: 1 });
    const burst = await Promise.all(Array.from({ length: BURST }, () => connect(port)));
    // Concurrent queries that overlap: each needs a server connection of its own.
    await Promise.all(burst.map((c) => c.query('SELECT pg_sleep(0.5)')));
    expect(await serverConnections()).toBe(BURST);
    await Promise.all(clients.splice(0).map((c) => c.end()));
    expect(await settlesAt(IDLE)).toBe(IDLE);
  });
});

maybe('session state between clients', () => {
  test('a SET inside a transaction does not reach the next client of the same server connection', async () => {
    // Two: A's SET pins it, and its session moves to a connection of the session pool when the
    // transaction ends, leaving the one it ran on in the transaction pool.
    const port = await proxy(2);
    const a = await connect(port);
    const { rows: [{ pid: pidA }] } = await a.query('SELECT pg_backend_pid() AS pid');
    await a.query('BEGIN');
    await a.query("SET statement_timeout = '1234ms'");
    await a.query('COMMIT');
    await a.end();
    clients.splice(0);
    const b = await connect(port);
    const { rows: [row] } = await b.query("SELECT pg_backend_pid() AS pid, current_setting('statement_timeout') AS timeout");
    // The transaction pool's one server connection: B gets A's, and must find the role's default on it.
    expect(row).toEqual({ pid: pidA, timeout: '0' });
  });
});
