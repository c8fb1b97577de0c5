// The pool limit of RDS Proxy on the local stack: MaxConnectionsPercent of the instance class's
// max_connections (here 2 % of db.t4g.micro's: one connection), held by a pinned session; the
// default handler's next query waits ConnectionBorrowTimeout, gets RDS Proxy's text, and the
// handler answers its JSON 503 within the function's timeout.
import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import { Client } from 'pg';
import { pgbouncerUnavailable } from '../../harness/stack';
import { CliRun, http, pgpassLogins, synthApp, tempDir } from '../helpers';

jest.setTimeout(120_000);

const skip = pgbouncerUnavailable();

(skip ? describe.skip : describe)(`a pool exhausted by a pinned session${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let root: string;
  let serve: CliRun;
  let pinned: Client | undefined;
  afterAll(async () => {
    await pinned?.end().catch(() => undefined);
    await serve?.cleanup();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('the next client waits ConnectionBorrowTimeout, then the default handler answers 503 within its timeout', async () => {
    root = tempDir('borrow-timeout');
    const assembly = synthApp(path.join(root, 'cdk.out'), {
      proxyMaxConnectionsPercent: 2,
      proxyMaxIdleConnectionsPercent: 1,
      proxyBorrowTimeout: Duration.seconds(2),
    });
    serve = CliRun.start(['local', 'serve', '--assembly', assembly, '--port', '0', '--postgres', 'system', '--proxy', 'pgbouncer']);
    const api = (await serve.waitFor(/^api: (\S+)$/m))[1];
    await serve.waitFor(/^ready in /m);
    expect(serve.stdout).toMatch(/^ {2}proxy: a pool of 1 database connection \(MaxConnectionsPercent 2 of db\.t4g\.micro's max_connections ≈ 77\), at most 0 of them idle \(MaxIdleConnectionsPercent 1\), ConnectionBorrowTimeout 2 s$/m);
    const [, user, host, name] = /^database: postgres:\/\/(\w+)@([\d.]+):\d+\/(\w+)$/m.exec(serve.stdout)!;
    const [, pgpass, caFile, port] = /^ {2}password: in (\S+) .*; TLS CA (\S+); through the proxy: port (\d+)$/m.exec(serve.stdout)!;
    expect((await http(`${api}health`)).status).toBe(200);

    pinned = new Client({ host, port: Number(port), user, database: name, password: pgpassLogins(pgpass).get(user), ssl: { ca: fs.readFileSync(caFile, 'utf8'), servername: 'localhost' } });
    pinned.on('error', () => undefined);
    await pinned.connect();
    await pinned.query("SET work_mem = '1MB'");
    await pinned.query('SELECT 1');

    const started = Date.now();
    const r = await http(`${api}health`);
    const elapsed = Date.now() - started;
    expect({ status: r.status, json: r.json }).toEqual({ status: 503, json: { error: 'service_unavailable', reason: 'database-unavailable' } });
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(10_000);
    expect(serve.stderr).toContain('Timed-out waiting to acquire database connection.');

    await pinned.end();
    pinned = undefined;
    await expect(http(`${api}health`)).resolves.toMatchObject({ status: 200 });
  });
});
