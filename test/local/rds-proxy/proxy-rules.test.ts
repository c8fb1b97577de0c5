// Handlers of the user's own that break RDS Proxy's client rules, run by the shipped command: a
// startup parameter RDS Proxy refuses (options, statement_timeout), one it accepts
// (application_name), and a SET that pins the session; on loopback and under --isolate.
import * as fs from 'fs';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { pgbouncerUnavailable } from '../../harness/stack';
import { bundleHandler, CliRun, http, runCli, synthApp, tempDir } from '../helpers';
import { isolationSkip } from '../isolate-helpers';

jest.setTimeout(180_000);

/** A handler that connects with `EXTRA` client settings and runs `STATEMENTS`; direct invocation answers as the default handler's. */
const handler = (extra: object, statements: string[]) => `
const { Client } = require('pg');
const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
exports.handler = async (event) => {
  let payload;
  try {
    const sm = new SecretsManagerClient({});
    const secret = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: process.env.DB_SECRET_ARN }))).SecretString);
    const client = new Client({ host: process.env.DB_HOST, port: Number(process.env.DB_PORT), database: process.env.DB_NAME,
      user: secret.username, password: secret.password, ssl: { rejectUnauthorized: true }, ...${JSON.stringify(extra)} });
    await client.connect();
    for (const sql of ${JSON.stringify(statements)}) await client.query(sql);
    const { rows } = await client.query("SELECT now() AS now, current_setting('application_name') AS app");
    await client.end();
    payload = { status: 'ok', now: rows[0].now, app: rows[0].app };
  } catch (err) {
    payload = { status: 'error', error: err.message };
  }
  if (!event.httpMethod) return payload;
  return { statusCode: payload.status === 'ok' ? 200 : 503, headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) };
};
`;

const HANDLERS = {
  options: handler({ options: '-c statement_timeout=5000' }, []),
  statementTimeout: handler({ statement_timeout: 5000 }, []),
  applicationName: handler({ application_name: 'orders-api' }, []),
  pinning: handler({}, ["SET work_mem = '2MB'"]),
};
type Name = keyof typeof HANDLERS;

const OPTIONS_REFUSED = 'Feature not supported: RDS Proxy currently doesn\'t support command-line options.';
const STATEMENT_TIMEOUT_REFUSED = 'Feature not supported: RDS Proxy currently doesn\'t support the option statement_timeout.';

let root: string;
const assemblies = {} as Record<Name, string>;
beforeAll(() => {
  root = tempDir('proxy-rules');
  for (const [name, source] of Object.entries(HANDLERS)) {
    const dir = path.join(root, name);
    fs.mkdirSync(dir);
    const code = bundleHandler(dir, source, ['@aws-sdk/*']);
    assemblies[name as Name] = synthApp(path.join(dir, 'cdk.out'), { functionCode: lambda.Code.fromAsset(code), functionHandler: 'main.handler' });
  }
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const skip = pgbouncerUnavailable();

(skip ? describe.skip : describe)(`local serve${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const served = async (name: Name, run: (api: string, serve: CliRun) => Promise<void>) => {
    const serve = CliRun.start(['local', 'serve', '--assembly', assemblies[name], '--port', '0', '--postgres', 'system', '--proxy', 'pgbouncer']);
    try {
      const api = (await serve.waitFor(/^api: (\S+)$/m))[1];
      await serve.waitFor(/^ready in /m);
      await run(api, serve);
    } finally {
      await serve.cleanup();
    }
  };

  test.each([
    ['options', 503, { status: 'error', error: OPTIONS_REFUSED }],
    ['statementTimeout', 503, { status: 'error', error: STATEMENT_TIMEOUT_REFUSED }],
    ['applicationName', 200, expect.objectContaining({ status: 'ok', app: 'orders-api' })],
  ] as const)('a handler connecting with %s: as RDS Proxy answers it', async (name, status, json) => {
    await served(name, async (api) => {
      const r = await http(`${api}any`);
      expect({ status: r.status, json: r.json }).toEqual({ status, json });
    });
  });

  test('a SET pins the session: serve prints one line per pinned session, values redacted', async () => {
    await served('pinning', async (api, serve) => {
      for (let i = 0; i < 2; i++) expect((await http(`${api}any`)).status).toBe(200);
      await serve.waitFor(/^RDS Proxy: the session of app is pinned to its database connection until it disconnects \(SET\): SET work_mem = \?$/m);
      expect(serve.stdout).not.toContain('2MB');
    });
  });
});

(skip ? describe.skip : describe)('local verify --pinning', () => {
  test('the default handler pins no session', async () => {
    const assembly = synthApp(path.join(root, 'default', 'cdk.out'));
    const { code, stdout } = await runCli(['local', 'verify', '--assembly', assembly, '--postgres', 'system', '--proxy', 'pgbouncer', '--pinning', 'fail']);
    expect(stdout).toMatch(/^no session pinned \(RDS Proxy multiplexes every transaction\)\s+PASS\s+none$/m);
    expect(code).toBe(0);
  });

  test.each([
    ['warn', 'PASS', 'warning \\(--pinning warn\\): '],
    ['fail', 'FAIL', ''],
  ])('a handler\'s pinning with --pinning %s', async (policy, result, prefix) => {
    const { stdout } = await runCli(['local', 'verify', '--assembly', assemblies.pinning, '--postgres', 'system', '--proxy', 'pgbouncer', '--pinning', policy]);
    expect(stdout).toMatch(new RegExp(`^no session pinned \\(RDS Proxy multiplexes every transaction\\)\\s+${result}\\s+${prefix}\\d+ pinned, first by SET: SET work_mem = \\?$`, 'm'));
  });

  test('a --pinning that is neither warn nor fail is one line and exit 2', async () => {
    const { code, stdout, stderr } = await runCli(['local', 'verify', '--assembly', assemblies.pinning, '--pinning', 'sometimes']);
    expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: '', stderr: 'secure-lambda-postgres: local verify: --pinning must be one of warn, fail, got sometimes\n' });
  });
});

(isolationSkip ? describe.skip : describe)(`local verify --isolate${isolationSkip ? ` (skipped: ${isolationSkip})` : ''}`, () => {
  test.each([
    ['options', 'FAIL', `200 {"status":"error","error":"${OPTIONS_REFUSED}"`.slice(0, 60)],
    ['applicationName', 'PASS', '200 {"status":"ok"'],
  ] as const)('a handler connecting with %s, from the function\'s namespace to the proxy\'s', async (name, result, detail) => {
    const { stdout } = await runCli(['local', 'verify', '--isolate', '--assembly', assemblies[name], '--postgres', 'system']);
    const row = stdout.split('\n').find((l) => l.startsWith('invoke {} (test case 1'));
    expect(row).toContain(` ${result} `);
    expect(row).toContain(detail);
  });
});
