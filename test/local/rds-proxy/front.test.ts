// The local RDS Proxy's front, in process, before PgBouncer and a real PostgreSQL: the client
// rules RDS Proxy enforces, pinning, and the pool limit under pinning.
import * as fs from 'fs';
import * as net from 'net';
import { Client, ClientConfig } from 'pg';
import { Supervisor } from '../../../src/local/platform/supervisor';
import { RunningFront } from '../../../src/local/services/rds-proxy/front';
import { findPgbouncer } from '../../../src/local/services/rds-proxy/pgbouncer';
import { Pin } from '../../../src/local/services/rds-proxy/pinning';
import { makeCertificates, TestCertificates } from '../../harness/certs';
import { startDatabase, TestDatabase } from '../../harness/database';
import { startLocalProxy } from '../../harness/rds-proxy';
import { makeTempDir, removeDir } from '../../harness/util';

jest.setTimeout(60_000);

const unavailable = findPgbouncer() ? undefined : 'PgBouncer is not installed';
const POOL_SIZE = 2;

let dir: string;
let certs: TestCertificates;
let db: TestDatabase;
let supervisor: Supervisor;
let front: RunningFront;
const pins: Array<{ user: string; pin: Pin }> = [];

beforeAll(async () => {
  if (unavailable) return;
  dir = makeTempDir('front');
  fs.chmodSync(dir, 0o755);
  certs = makeCertificates(dir);
  db = await startDatabase(certs);
  supervisor = new Supervisor();
  front = await startLocalProxy(supervisor, db, certs, {
    poolSize: POOL_SIZE,
    borrowTimeoutSeconds: 1,
    onPin: (user, pin) => pins.push({ user, pin }),
  });
});

afterAll(async () => {
  if (unavailable) return;
  await front.close();
  await supervisor.stop();
  await db.destroy();
  removeDir(dir);
});

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
  pins.length = 0;
});

async function connect(extra: Partial<ClientConfig> = {}): Promise<Client> {
  const client = new Client({
    host: '127.0.0.1',
    port: front.port,
    user: db.user,
    password: db.password,
    database: db.database,
    ssl: { ca: certs.caPem, servername: 'localhost' },
    ...extra,
  });
  clients.push(client);
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

const maybe = unavailable ? describe.skip : describe;

maybe('startup parameters, as RDS Proxy', () => {
  test('options is refused with RDS Proxy\'s text', async () => {
    await expect(connect({ options: '-c statement_timeout=5000' })).rejects.toThrow('Feature not supported: RDS Proxy currently doesn\'t support command-line options.');
  });

  test('statement_timeout as a startup parameter is refused', async () => {
    await expect(connect({ statement_timeout: 5000 })).rejects.toThrow('Feature not supported: RDS Proxy currently doesn\'t support the option statement_timeout.');
  });

  test('application_name passes through to the server', async () => {
    const c = await connect({ application_name: 'orders-api' });
    const { rows } = await c.query('SELECT current_setting(\'application_name\') AS name, (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl');
    expect(rows[0]).toEqual({ name: 'orders-api', ssl: true });
  });

  test('a client without TLS is refused, as the proxy requires it', async () => {
    await expect(connect({ ssl: false })).rejects.toThrow('This RDS Proxy requires TLS connections.');
  });

  test('a GSSAPI encryption request is declined, and the client goes on to TLS on the same connection', async () => {
    const socket = net.connect(front.port, '127.0.0.1');
    const answers: string[] = [];
    const next = () => new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())));
    const request = (code: number) => {
      const message = Buffer.alloc(8);
      message.writeUInt32BE(8, 0);
      message.writeUInt32BE(code, 4);
      socket.write(message);
    };
    await new Promise((resolve) => socket.once('connect', resolve));
    request(80877104);
    answers.push(await next());
    request(80877103);
    answers.push(await next());
    socket.destroy();
    expect(answers).toEqual(['N', 'S']);
  });

  test('a wrong password is refused with RDS Proxy\'s text', async () => {
    await expect(connect({ password: 'not-it' })).rejects.toThrow(`The password that was provided for the role ${db.user} is wrong.`);
  });
});

maybe('pinning', () => {
  test('unnamed extended-protocol statements do not pin', async () => {
    const c = await connect();
    for (let i = 0; i < 3; i++) await c.query('SELECT $1::int AS n', [i]);
    expect(pins).toEqual([]);
  });

  test('SET pins the session, which keeps its setting across transactions', async () => {
    const c = await connect();
    await c.query('SELECT 1');
    await c.query("SET work_mem = '1234kB'");
    for (let i = 0; i < 3; i++) {
      const { rows } = await c.query('SHOW work_mem');
      expect(rows[0].work_mem).toBe('1234kB');
    }
    expect(pins).toEqual([{ user: db.user, pin: { kind: 'SET', excerpt: 'SET work_mem = ?' } }]);
  });

  test('a named prepared statement pins', async () => {
    const c = await connect();
    await c.query({ name: 'by-id', text: 'SELECT $1::int AS n', values: [1] });
    expect(pins.map((p) => p.pin.kind)).toEqual(['named prepared statement']);
  });

  test('pinned sessions hold their connections: the next client times out as RDS Proxy words it', async () => {
    const pinned = await Promise.all(Array.from({ length: POOL_SIZE }, () => connect()));
    for (const c of pinned) await c.query('SELECT pg_advisory_lock(1)::text, pg_advisory_unlock(1)');
    const waiting = await connect();
    const started = Date.now();
    await expect(waiting.query('SELECT 1')).rejects.toThrow('Timed-out waiting to acquire database connection.');
    expect(Date.now() - started).toBeLessThan(5000);
    await Promise.all(pinned.map((c) => c.end()));
    clients.splice(0, POOL_SIZE);
    const after = await connect();
    await expect(after.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
  });
});
