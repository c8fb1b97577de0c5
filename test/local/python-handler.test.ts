// A Python handler of the user's own (the standard library only), shipped as a zip asset
// (lambda.Code.fromAsset('handler.zip')) on python3.12, served by the shipped `local serve`:
// awslambdaric runs it behind the container's Runtime API, it reaches the proxy with TLS verified
// against the CA the local stack hands every runtime, and the API and Invoke API behave as for Node.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CliRun, http, synthApp, tempDir } from './helpers';

jest.setTimeout(120_000);

const HANDLER = `
import json, os, socket, ssl, struct

def proxy_tls():
    """PostgreSQL's SSLRequest, then a TLS handshake verifying the proxy's certificate and host name."""
    host, port = os.environ['DB_HOST'], int(os.environ['DB_PORT'])
    context = ssl.create_default_context(cafile=os.environ['NODE_EXTRA_CA_CERTS'])
    with socket.create_connection((host, port), timeout=2) as raw:
        raw.sendall(struct.pack('!ii', 8, 80877103))
        if raw.recv(1) != b'S':
            return 'refused'
        with context.wrap_socket(raw, server_hostname=host) as tls:
            return tls.version()

def handler(event, context):
    print('python handler saw ' + str(event.get('path')))
    path = event.get('path') or '/health'
    if path.endswith('/throw'):
        raise RuntimeError('boom from python')
    body = {'status': 'ok', 'tls': proxy_tls(), 'db': os.environ['DB_NAME'], 'secret': os.environ['DB_SECRET_ARN'].startswith('arn:aws:secretsmanager:'),
            'remaining': context.get_remaining_time_in_millis()}
    if 'httpMethod' not in event:
        return body
    return {'statusCode': 200, 'headers': {'content-type': 'application/json'}, 'body': json.dumps(body)}
`;

const noPython = spawnSync('python3', ['--version']).status === 0 ? undefined : 'python3 is not installed';

let root: string;
let serve: CliRun;
let api: string;
let lambdaUrl: string;
beforeAll(async () => {
  if (noPython) return;
  root = tempDir('python');
  const src = path.join(root, 'src');
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, 'app.py'), HANDLER);
  execFileSync('zip', ['-q', '-r', path.join(root, 'handler.zip'), '.'], { cwd: src });
  const assembly = synthApp(path.join(root, 'cdk.out'), {
    functionCode: lambda.Code.fromAsset(path.join(root, 'handler.zip')),
    functionHandler: 'app.handler',
    functionRuntime: lambda.Runtime.PYTHON_3_12,
    functionTimeout: Duration.seconds(3),
  });
  serve = CliRun.start(['local', 'serve', '--assembly', assembly, '--port', '0', '--postgres', 'system', '--proxy', 'auto']);
  api = (await serve.waitFor(/^api: (\S+)$/m, 90_000))[1];
  lambdaUrl = (await serve.waitFor(/^lambda: (\S+) /m))[1];
  await serve.waitFor(/^ready in /m);
});
afterAll(async () => {
  await serve?.cleanup();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

// Without python3 the tests say so and skip.
const maybe = noPython ? test.skip : test;

maybe('the zip asset runs on this machine\'s Python with awslambdaric, and says so', () => {
  expect(serve.stdout).toMatch(/^ {2}runtime: python3\.12 runs on this machine's Python 3\.\d+ with /m);
  expect(serve.stdout).toMatch(/^backend \S+ .*: app\.handler, python3\.12, timeout 3 s$/m);
});

maybe('GET /health reaches the function, which reaches the proxy over verified TLS', async () => {
  const r = await http(`${api}health`);
  expect({ status: r.status, json: r.json }).toEqual({ status: 200, json: { status: 'ok', tls: expect.stringMatching(/^TLSv1\.[23]$/), db: 'app', secret: true, remaining: expect.any(Number) } });
  expect(r.json.remaining).toBeLessThanOrEqual(3000);
  await serve.waitFor(/^python handler saw \/health$/m);
  expect(serve.stdout).toMatch(/^REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d\d ms/m);
});

maybe('the Invoke API runs it directly (test case 1\'s path), and a raised exception is a 502 with the runtime\'s error', async () => {
  const invoked = await http(`${lambdaUrl}/2015-03-31/functions/${(/function (\S+): app\.handler/.exec(serve.stdout) ?? [])[1]}/invocations`, { method: 'POST', body: '{}' });
  expect({ status: invoked.status, status2: invoked.json?.status }).toEqual({ status: 200, status2: 'ok' });
  const thrown = await http(`${api}throw`);
  expect({ status: thrown.status, json: thrown.json }).toEqual({ status: 502, json: { message: 'Internal server error' } });
  await serve.waitFor(/RuntimeError: boom from python/);
  expect((await http(`${api}health`)).status).toBe(200);
});
