// Function containers of the runtimes that speak the Lambda Runtime API, run through the local
// Lambda service's pool as the API and the Invoke API run them: Python with AWS's awslambdaric,
// and a `provided` runtime's bootstrap (a shell script speaking the API with curl, so the test
// sees the headers exactly as a custom runtime does).
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from './helpers';
import { workerScript } from '../../src/local/platform/assets';
import { loopback } from '../../src/local/platform/placement';
import { PythonRuntime, pythonRuntime } from '../../src/local/services/lambda/awslambdaric';
import { functionLaunch } from '../../src/local/services/lambda/launch';
import { FunctionPool, Invocation } from '../../src/local/services/lambda/pool';
import { ensureBundle } from '../harness/bundle';

jest.setTimeout(120_000);

const PYTHON = `
import json, os, sys, time
def handler(event, context):
    if event.get('sleep'): time.sleep(event['sleep'])
    if event.get('raise'): raise ValueError('boom from python')
    if event.get('exit'): os._exit(3)
    print('python saw ' + json.dumps(event))
    return {'pid': os.getpid(), 'remaining': context.get_remaining_time_in_millis(), 'arn': context.invoked_function_arn,
            'id': context.aws_request_id, 'cwd': os.getcwd(), 'event': event}
`;

// A custom runtime as the Lambda documentation's tutorial writes one, with the headers echoed back.
const BOOTSTRAP = `#!/bin/sh
set -eu
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")
  header() { grep -i "^$1:" "$HEADERS" | cut -d' ' -f2 | tr -d '\\r'; }
  ID=$(header Lambda-Runtime-Aws-Request-Id)
  case "$EVENT" in
    *fail*) curl -sS -X POST "$API/invocation/$ID/error" -H 'Lambda-Runtime-Function-Error-Type: Custom.Failure' -d '{"errorType":"Custom.Failure","errorMessage":"asked to fail"}' >/dev/null ;;
    *) curl -sS -X POST "$API/invocation/$ID/response" -d "{\\"id\\":\\"$ID\\",\\"deadline\\":$(header Lambda-Runtime-Deadline-Ms),\\"arn\\":\\"$(header Lambda-Runtime-Invoked-Function-Arn)\\",\\"trace\\":\\"$(header Lambda-Runtime-Trace-Id)\\",\\"event\\":$EVENT}" >/dev/null ;;
  esac
  rm -f "$HEADERS"
done
`;

let root: string;
let python: PythonRuntime;
const lines: string[] = [];
beforeAll(async () => {
  ensureBundle();
  root = tempDir('runtimes');
  process.env.XDG_CACHE_HOME = path.join(root, 'cache');
  python = await pythonRuntime((l) => lines.push(l));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function pool(runtime: string, handler: string, files: Record<string, { text: string; mode?: number }>, extra: { timeoutMs?: number; reservedConcurrency?: number } = {}): FunctionPool {
  const code = fs.mkdtempSync(path.join(root, 'code-'));
  for (const [name, f] of Object.entries(files)) fs.writeFileSync(path.join(code, name), f.text, { mode: f.mode ?? 0o644 });
  const fn = { logicalId: 'Fn', handler, runtime, timeoutSeconds: 2, memoryMb: 128, environment: {}, code: { directory: code } };
  const started = functionLaunch(fn, code, { python });
  return new FunctionPool({
    workerScript: workerScript(),
    launch: started.launch,
    placement: loopback('application'),
    timeoutMs: extra.timeoutMs ?? 2000,
    maxContainers: 2,
    reservedConcurrency: extra.reservedConcurrency,
    environment: { PATH: process.env.PATH!, LAMBDA_TASK_ROOT: code, AWS_REGION: 'eu-west-1', AWS_LAMBDA_FUNCTION_NAME: 'Fn', ...started.env },
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a Python function (python3 -m awslambdaric)', () => {
  let fn: FunctionPool;
  beforeAll(() => {
    fn = pool('python3.12', 'app.handler', { 'app.py': { text: PYTHON } });
  });
  afterAll(() => fn.stop());

  test('is installed once into the cache when python3 does not import awslambdaric, with a line saying so', async () => {
    const again = await pythonRuntime((l) => lines.push(l));
    expect(again).toEqual(python);
    expect(lines.filter((l) => l.includes('installing awslambdaric')).length).toBeLessThanOrEqual(1);
    if (python.ricDir) expect(fs.existsSync(path.join(python.ricDir, 'awslambdaric'))).toBe(true);
  });

  test('the first invocation is a cold start; the handler gets the event and a context from the Runtime API headers', async () => {
    const first = await fn.invoke({ hello: 'world' }, 'req-1');
    expect(first).toMatchObject({ ok: true, initMs: expect.any(Number), payload: { id: 'req-1', arn: 'arn:aws:lambda:eu-west-1:000000000000:function:Fn', event: { hello: 'world' } } });
    const payload = (first as { payload: { remaining: number; cwd: string } }).payload;
    expect(payload.remaining).toBeGreaterThan(1000);
    expect(payload.remaining).toBeLessThanOrEqual(2000);
    // Lambda starts the runtime in the code's directory.
    expect(fs.realpathSync(payload.cwd)).toMatch(/code-/);
    const second = await fn.invoke({}, 'req-2');
    expect(second.initMs).toBeUndefined();
    expect((second as { payload: { pid: number } }).payload.pid).toBe((first as { payload: { pid: number } }).payload.pid);
  });

  test('an exception is the invocation\'s error (errorType from the runtime), and the container is reused', async () => {
    const pid = ((await fn.invoke({}, 'a')) as { payload: { pid: number } }).payload.pid;
    expect(await fn.invoke({ raise: true }, 'b')).toMatchObject({ ok: false, kind: 'error', errorType: 'ValueError', errorMessage: 'boom from python' });
    expect(((await fn.invoke({}, 'c')) as { payload: { pid: number } }).payload.pid).toBe(pid);
  });

  test('a handler past the timeout is killed with Sandbox.Timedout, Python process and all; the next invocation gets a new container', async () => {
    const pid = ((await fn.invoke({}, 'd')) as { payload: { pid: number } }).payload.pid;
    const started = Date.now();
    const r = await fn.invoke({ sleep: 30 }, 'e');
    expect(r).toMatchObject({ ok: false, kind: 'timeout', errorType: 'Sandbox.Timedout', errorMessage: 'RequestId: e Error: Task timed out after 2.00 seconds' });
    expect(Date.now() - started).toBeLessThan(4000);
    for (let i = 0; i < 40 && alive(pid); i++) await new Promise((res) => setTimeout(res, 50));
    expect(alive(pid)).toBe(false);
    const next = await fn.invoke({}, 'f');
    expect(next).toMatchObject({ ok: true, initMs: expect.any(Number) });
    expect((next as { payload: { pid: number } }).payload.pid).not.toBe(pid);
  });

  test('a runtime that exits mid-invocation is Runtime.ExitError', async () => {
    expect(await fn.invoke({ exit: true }, 'g')).toMatchObject({ ok: false, kind: 'crash', errorType: 'Runtime.ExitError', errorMessage: 'RequestId: g Error: Runtime exited with error: exit status 3' });
    expect(await fn.invoke({}, 'h')).toMatchObject({ ok: true });
  });
});

test('a Python handler that cannot be imported fails Init with the runtime\'s error type', async () => {
  const fn = pool('python3.12', 'missing.handler', { 'app.py': { text: PYTHON } });
  try {
    const r = await fn.invoke({}, 'i');
    expect(r).toMatchObject({ ok: false, kind: 'error', errorType: 'Runtime.ImportModuleError' });
    expect((r as { errorMessage: string }).errorMessage).toContain("No module named 'missing'");
  } finally {
    await fn.stop();
  }
});

test('Python functions beyond the reserved concurrency are throttled', async () => {
  const fn = pool('python3.12', 'app.handler', { 'app.py': { text: PYTHON } }, { reservedConcurrency: 1 });
  try {
    const [a, b] = await Promise.all([fn.invoke({ sleep: 0.5 }, 'j'), new Promise<Invocation>((res) => setTimeout(() => res(fn.invoke({}, 'k')), 100))]);
    expect(a).toMatchObject({ ok: true });
    expect(b).toMatchObject({ ok: false, kind: 'throttled', errorType: 'TooManyRequestsException' });
  } finally {
    await fn.stop();
  }
});

describe('a provided.al2023 function (the asset\'s bootstrap)', () => {
  let fn: FunctionPool;
  beforeAll(() => {
    fn = pool('provided.al2023', 'unused', { bootstrap: { text: BOOTSTRAP, mode: 0o755 } });
  });
  afterAll(() => fn.stop());

  test('gets the request id, deadline, function ARN and trace id as Runtime API headers', async () => {
    const before = Date.now();
    const r = await fn.invoke({ n: 1 }, 'req-p');
    expect(r).toMatchObject({ ok: true, payload: { id: 'req-p', arn: 'arn:aws:lambda:eu-west-1:000000000000:function:Fn', event: { n: 1 } } });
    const { deadline, trace } = (r as { payload: { deadline: number; trace: string } }).payload;
    expect(deadline).toBeGreaterThanOrEqual(before + 2000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 2000);
    expect(trace).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
  });

  test('an error posted to /invocation/{id}/error is the invocation\'s error', async () => {
    expect(await fn.invoke({ fail: true }, 'req-q')).toMatchObject({ ok: false, kind: 'error', errorType: 'Custom.Failure', errorMessage: 'asked to fail' });
  });
});

test('a provided function without an executable bootstrap, and a Java function without the runtime interface client, are refused with what to add', () => {
  const code = fs.mkdtempSync(path.join(root, 'empty-'));
  const fn = (runtime: string) => ({ logicalId: 'Fn', handler: 'x', runtime, timeoutSeconds: 3, memoryMb: 128, environment: {}, code: { directory: code } });
  expect(() => functionLaunch(fn('provided.al2023'), code, {})).toThrow(/no executable bootstrap .*build your handler as a file named bootstrap/);
  expect(() => functionLaunch(fn('java21'), code, {})).toThrow(/java21: add com\.amazonaws:aws-lambda-java-runtime-interface-client .* lib\//);
  fs.mkdirSync(path.join(code, 'lib'));
  fs.writeFileSync(path.join(code, 'lib', 'aws-lambda-java-runtime-interface-client-2.10.1.jar'), '');
  expect(functionLaunch(fn('java21'), code, {}).launch).toEqual({
    command: 'java',
    args: ['-cp', `${code}:${code}/lib/*`, 'com.amazonaws.services.lambda.runtime.api.client.AWSLambda', 'x'],
  });
});
