// A handler of the user's own (plain JavaScript using pg and the AWS SDK the runtime provides),
// written and bundled here, synthesized with functionCode, and run by the shipped command on the
// embedded engine and on system PostgreSQL + PgBouncer; then how the Lambda-like containers
// behave when the handler throws, hangs, crashes, returns garbage or runs concurrently.
import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { bundleHandler, CliRun, http, synthApp, tempDir } from './helpers';
import { pgbouncerUnavailable } from '../harness/stack';

jest.setTimeout(90_000);

const HANDLER = `
const { Client } = require('pg');
const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
let client;
async function db() {
  if (client) return client;
  const sm = new SecretsManagerClient({});
  const secret = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: process.env.DB_SECRET_ARN }))).SecretString);
  client = new Client({ host: process.env.DB_HOST, port: Number(process.env.DB_PORT), database: process.env.DB_NAME,
    user: secret.username, password: secret.password, ssl: { rejectUnauthorized: true } });
  await client.connect();
  return client;
}
const json = (statusCode, body) => ({ statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
exports.handler = async (event, context) => {
  switch ('/' + event.path.split('/')[1]) {
    case '/db': {
      const { rows } = await (await db()).query("SELECT current_database() AS db, current_user AS usr, (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl");
      return json(200, rows[0]);
    }
    case '/throw': throw new Error('boom from the handler');
    case '/hang': return new Promise(() => {});
    case '/crash': process.exit(3);
    case '/malformed': return { hello: 'world' };
    case '/pid':
      await new Promise((r) => setTimeout(r, Number((event.queryStringParameters || {}).ms || 0)));
      return json(200, { pid: process.pid });
    case '/echo': return json(201, { event, remaining: context.getRemainingTimeInMillis(), fn: context.functionName });
    default:
      console.log('custom handler saw ' + event.path);
      return json(404, { error: 'not_found' });
  }
};
`;

let root: string;
let assembly: string;
beforeAll(() => {
  root = tempDir('custom');
  const code = bundleHandler(root, HANDLER, ['@aws-sdk/*']);
  assembly = synthApp(path.join(root, 'cdk.out'), {
    functionCode: lambda.Code.fromAsset(code),
    functionHandler: 'main.handler',
    functionTimeout: Duration.seconds(2),
    functionReservedConcurrency: 2,
  });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const engines: Array<[string, string[], string | undefined]> = [
  ['the embedded engine', ['--postgres', 'embedded', '--proxy', 'none'], undefined],
  ['system PostgreSQL + PgBouncer', ['--postgres', 'system', '--proxy', 'pgbouncer'], pgbouncerUnavailable()],
];

describe.each(engines)('on %s', (name, flags, skip) => {
  let serve: CliRun;
  let api: string;
  const maybe = skip ? test.skip : test;

  beforeAll(async () => {
    if (skip) return;
    serve = CliRun.start(['local', 'serve', '--assembly', assembly, '--port', '0', ...flags]);
    api = (await serve.waitFor(/^api: (\S+)$/m))[1];
    await serve.waitFor(/^ready in /m);
  });
  afterAll(() => serve?.cleanup());

  maybe(`the handler reads the secret with the runtime's SDK and queries the template's database over TLS${skip ? ` (skipped: ${skip})` : ''}`, async () => {
    const r = await http(`${api}db`);
    // The secret the function may read is the app role's, as after deployment: never the master's.
    expect({ status: r.status, json: r.json }).toEqual({ status: 200, json: { db: 'app', usr: 'app', ssl: true } });
  });

  if (name !== 'the embedded engine') return;

  test('its log lines reach the terminal as it wrote them, with Lambda REPORT lines', async () => {
    expect((await http(`${api}unknown/path`)).status).toBe(404);
    await serve.waitFor(/^custom handler saw \/unknown\/path$/m);
    expect(serve.stdout).toMatch(/^REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d\d ms/m);
  });

  test('a REST v1 proxy event: stage, resource, path parameters, query, headers, body, context', async () => {
    const r = await http(`${api}echo/a%20b?x=1&x=2`, { method: 'POST', body: 'hello', headers: { 'X-Custom': 'yes' } });
    expect(r.status).toBe(201);
    expect(r.json.event).toMatchObject({
      resource: '/{proxy+}',
      path: '/echo/a%20b',
      httpMethod: 'POST',
      body: 'hello',
      isBase64Encoded: false,
      pathParameters: { proxy: 'echo/a b' },
      queryStringParameters: { x: '2' },
      multiValueQueryStringParameters: { x: ['1', '2'] },
      headers: expect.objectContaining({ 'X-Custom': 'yes' }),
      requestContext: expect.objectContaining({ stage: 'prod', path: '/prod/echo/a%20b', resourcePath: '/{proxy+}', httpMethod: 'POST' }),
    });
    expect(r.json.fn).toBe('BackendFunctionDFBAACF8');
    expect(r.json.remaining).toBeGreaterThan(1000);
    expect(r.json.remaining).toBeLessThanOrEqual(2000);
  });

  test('a handler that throws, crashes or returns a malformed response gets 502, and the stack keeps serving', async () => {
    for (const route of ['throw', 'crash', 'malformed']) {
      const r = await http(`${api}${route}`);
      expect({ route, status: r.status, json: r.json }).toEqual({ route, status: 502, json: { message: 'Internal server error' } });
      expect((await http(`${api}db`)).status).toBe(200);
    }
    expect(serve.stderr).toContain('ERROR\tInvoke Error\t{"errorType":"Error","errorMessage":"boom from the handler"}');
    expect(serve.stdout).toContain('Runtime.ExitError');
    expect(serve.stdout).toContain('Malformed Lambda proxy response');
  });

  test('a handler that hangs is killed at the function timeout (2 s) with 502, and the next request gets a new container', async () => {
    const before = (await http(`${api}pid`)).json.pid;
    const started = Date.now();
    const r = await http(`${api}hang`);
    const elapsed = Date.now() - started;
    expect({ status: r.status, json: r.json }).toEqual({ status: 502, json: { message: 'Internal server error' } });
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(5000);
    await serve.waitFor(/Task timed out after 2\.00 seconds/);
    const after = (await http(`${api}pid`)).json.pid;
    expect(typeof after).toBe('number');
    expect(after).not.toBe(before);
    expect((await http(`${api}db`)).status).toBe(200);
  });

  test('one request at a time per container: warm reuse, concurrency up to the reserved 2, then throttled', async () => {
    const a = (await http(`${api}pid`)).json.pid;
    const b = (await http(`${api}pid`)).json.pid;
    expect(b).toBe(a);
    const concurrent = await Promise.all([1, 2, 3].map(() => http(`${api}pid?ms=600`)));
    const ok = concurrent.filter((r) => r.status === 200);
    expect(ok).toHaveLength(2);
    expect(new Set(ok.map((r) => r.json.pid)).size).toBe(2);
    expect(concurrent.find((r) => r.status !== 200)).toMatchObject({ status: 500, json: { message: 'Internal server error' } });
  });

  test('CORS preflight answers from the template (MOCK integration), echoing an allowed second origin', async () => {
    const pre = (origin: string) => http(`${api}anything`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } });
    const first = await pre('https://app.example.com');
    expect(first.status).toBe(204);
    expect(first.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    // Your own code owns the routes, so the preflight allows every method.
    expect(first.headers.get('access-control-allow-methods')).toBe('OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD');
    expect((await pre('https://admin.example.com')).headers.get('access-control-allow-origin')).toBe('https://admin.example.com');
    expect((await pre('https://evil.example.com')).headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });
});
