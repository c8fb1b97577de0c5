// The integration tests' moving parts, exercised here without an AWS account:
// - the expectations in test/integ-helpers.ts are fed to the matcher the deployed assertion
//   provider runs (@aws-cdk/integ-tests-alpha's AssertionHandler, the very file it bundles) with
//   the responses a healthy and a broken deployment would give — so a typo in a pattern fails here,
//   not after a 40-minute deployment;
// - the probe function's source (test/integ-probe.ts) runs against local sockets: connected, refused, unresolved, timeout.
import { spawn, spawnSync, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { IApiCall, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Stack } from 'aws-cdk-lib';
import { SecureLambdaPostgres } from '../src';
import {
  assertBackend, assertBastionReachesDatabase, assertMigrated, BackendAssertions, BastionAssertions, TEST_BACKEND_PROPS,
} from './integ-helpers';
import { PROBE_HANDLER_SOURCE, probeFromOutside } from './integ-probe';

const HAS_PYTHON = spawnSync('python3', ['--version'], { stdio: 'ignore' }).status === 0;

// The provider's base class imports the Step Functions client (for waiters) at load time; the
// matcher never calls it, and the package is part of the Lambda runtime, not of this project.
jest.mock('@aws-sdk/client-sfn', () => ({ SFN: class {} }), { virtual: true });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { AssertionHandler } = require('@aws-cdk/integ-tests-alpha/lib/assertions/providers/lambda-handler/assertion');

/** Runs the deployed matcher: undefined when `actual` satisfies the call's expectation, else why not. */
async function mismatch(call: IApiCall, actual: unknown): Promise<string | undefined> {
  const expected = (call as unknown as { expectedResult?: string }).expectedResult;
  expect(typeof expected).toBe('string');
  const handler = new AssertionHandler({ RequestType: 'Create', ResourceProperties: {} }, { getRemainingTimeInMillis: () => 60_000 });
  clearTimeout(handler.timeout);
  const result = await handler.processEvent({ actual, expected, failDeployment: false });
  return result.failed ? JSON.parse(result.assertion).message : undefined;
}

const NOW = '2026-01-02T03:04:05.678Z';
/** A Lambda Invoke response as the provider sees it: Payload decoded to a string. */
const invoked = (payload: unknown) => ({ StatusCode: 200, ExecutedVersion: '$LATEST', Payload: JSON.stringify(payload) });
/** An HTTP response as the provider sees it: the body parsed when it is JSON. */
const http = (status: number, body: unknown) => ({
  ok: status < 300, status, statusText: '', headers: { 'content-type': ['application/json'] }, body,
});

let backend: SecureLambdaPostgres;
let checks: BackendAssertions;
let bastionChecks: BastionAssertions;
let migrated: IApiCall;

beforeEach(() => {
  // The provider and the probe log every comparison and result; keep the test output readable.
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});

beforeAll(() => {
  const app = new App();
  const stack = new Stack(app, 'Integ');
  backend = new SecureLambdaPostgres(stack, 'Backend', { ...TEST_BACKEND_PROPS, bastion: true });
  const integ = new IntegTest(app, 'IntegTest', { testCases: [stack] });
  checks = assertBackend(integ, backend, probeFromOutside(stack, backend));
  bastionChecks = assertBastionReachesDatabase(integ, backend);
  migrated = assertMigrated(integ, backend, 2);
});

describe('direct invocation', () => {
  test('passes on { status: ok, now: <ISO time> }', async () => {
    expect(await mismatch(checks.directInvoke, invoked({ status: 'ok', now: NOW }))).toBeUndefined();
  });
  test.each([
    ['a database error', invoked({ status: 'error', error: 'database-unavailable' })],
    ['a time that is not ISO', invoked({ status: 'ok', now: 'Fri Jan 02 2026' })],
    ['a function error', { StatusCode: 200, FunctionError: 'Unhandled', Payload: '{"errorType":"Error"}' }],
  ])('fails on %s', async (_name, actual) => {
    expect(await mismatch(checks.directInvoke, actual)).toBeDefined();
  });
});

describe('external probe', () => {
  test('passes when both connections time out', async () => {
    expect(await mismatch(checks.externalProbe, invoked({ database: 'timeout', proxy: 'timeout' }))).toBeUndefined();
  });
  test.each([
    ['the database accepts', { database: 'connected', proxy: 'timeout' }],
    ['the proxy accepts', { database: 'timeout', proxy: 'connected' }],
    ['a host answers', { database: 'refused', proxy: 'timeout' }],
    ['a result is missing', { database: 'timeout' }],
  ])('fails when %s', async (_name, payload) => {
    expect(await mismatch(checks.externalProbe, invoked(payload))).toBeDefined();
  });
});

describe('HTTP API', () => {
  test('/health passes on 200 with the database time and fails on 503', async () => {
    expect(await mismatch(checks.health, http(200, { status: 'ok', now: NOW }))).toBeUndefined();
    expect(await mismatch(checks.health, http(503, { error: 'service_unavailable', reason: 'database-unavailable' }))).toBeDefined();
    expect(await mismatch(checks.health, http(200, { status: 'ok' }))).toBeDefined();
  });
  test('/me without a token passes on 401 missing-token only', async () => {
    expect(await mismatch(checks.meWithoutToken, http(401, { error: 'unauthorized', reason: 'missing-token' }))).toBeUndefined();
    expect(await mismatch(checks.meWithoutToken, http(500, { error: 'server_misconfigured', reason: 'clerk-not-configured' }))).toBeDefined();
    expect(await mismatch(checks.meWithoutToken, http(200, { userId: 'user_1', now: NOW }))).toBeDefined();
  });
  test('/me with a forged token passes on 401 only', async () => {
    expect(await mismatch(checks.meWithForgedToken, http(401, { error: 'unauthorized', reason: 'token-invalid-signature' }))).toBeUndefined();
    expect(await mismatch(checks.meWithForgedToken, http(200, { userId: 'user_forged', now: NOW }))).toBeDefined();
  });
});

describe('migrations', () => {
  const result = (applied: string[], alreadyApplied: number) => ({ applied, alreadyApplied, created: [], passwordsReset: [], warnings: [] });
  test('pass when a second run finds every file applied', async () => {
    expect(await mismatch(migrated, invoked(result([], 2)))).toBeUndefined();
  });
  test.each([
    ['the deployment applied nothing (the second run does)', invoked(result(['0001_notes.sql', '0002_tags.sql'], 0))],
    ['a file is missing', invoked(result([], 1))],
    ['the run fails', { StatusCode: 200, FunctionError: 'Unhandled', Payload: '{"errorType":"MigrationFailed","errorMessage":"Migration 0002_tags.sql failed at line 1"}' }],
  ])('fail when %s', async (_name, actual) => {
    expect(await mismatch(migrated, actual)).toBeDefined();
  });
});

describe('bastion', () => {
  test('the proxy security group admits the bastion security group on 5432', async () => {
    const rule = (source: string, port: number) => ({
      SecurityGroupRuleId: 'sgr-1',
      GroupId: backend.proxySecurityGroup.securityGroupId,
      IsEgress: false,
      IpProtocol: 'tcp',
      FromPort: port,
      ToPort: port,
      ReferencedGroupInfo: { GroupId: source, UserId: '123456789012' },
    });
    const fromLambda = rule(backend.functionSecurityGroup.securityGroupId, 5432);
    expect(await mismatch(bastionChecks.proxyIngressRule, {
      SecurityGroupRules: [fromLambda, rule(backend.bastionSecurityGroup!.securityGroupId, 5432)],
    })).toBeUndefined();
    expect(await mismatch(bastionChecks.proxyIngressRule, { SecurityGroupRules: [fromLambda] })).toBeDefined();
    expect(await mismatch(bastionChecks.proxyIngressRule, {
      SecurityGroupRules: [fromLambda, rule(backend.bastionSecurityGroup!.securityGroupId, 22)],
    })).toBeDefined();
  });
  test('Run Command output must show both connections', async () => {
    const output = (text: string, status = 'Success') => ({ Status: status, StandardOutputContent: text, ResponseCode: 0 });
    expect(await mismatch(bastionChecks.connectionResult, output('proxy=connected\ndatabase=connected\n'))).toBeUndefined();
    expect(await mismatch(bastionChecks.connectionResult, output('proxy=connected\ndatabase=unreachable\n'))).toBeDefined();
    expect(await mismatch(bastionChecks.connectionResult, output('proxy=unreachable\ndatabase=connected\n'))).toBeDefined();
    expect(await mismatch(bastionChecks.connectionResult, output('', 'InProgress'))).toBeDefined();
  });
});

describe('probe function source', () => {
  type Probe = () => Promise<Record<string, string>>;
  let probe: Probe;
  let dir: string;
  let listener: net.Server;
  let listening: number;
  let closed: number;
  let stalled: { port: number; child: ChildProcess; fillers: net.Socket[] } | undefined;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-'));
    fs.writeFileSync(path.join(dir, 'index.js'), PROBE_HANDLER_SOURCE);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    probe = require(path.join(dir, 'index.js')).handler;

    listener = net.createServer(socket => socket.destroy());
    await new Promise<void>(resolve => listener.listen(0, '127.0.0.1', resolve));
    listening = (listener.address() as net.AddressInfo).port;
    const spare = net.createServer();
    await new Promise<void>(resolve => spare.listen(0, '127.0.0.1', resolve));
    closed = (spare.address() as net.AddressInfo).port;
    await new Promise(resolve => spare.close(resolve));
    stalled = await stalledListener();
  });

  afterAll(async () => {
    stalled?.fillers.forEach(s => s.destroy());
    stalled?.child.kill();
    await new Promise(resolve => listener.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function run(targets: Record<string, { host: string; port: number }>, timeoutMs = 500) {
    process.env.PROBE_TARGETS = JSON.stringify(targets);
    process.env.PROBE_TIMEOUT_MS = String(timeoutMs);
    try {
      return probe();
    } finally {
      delete process.env.PROBE_TARGETS;
      delete process.env.PROBE_TIMEOUT_MS;
    }
  }

  test('reports connected, refused and unresolved', async () => {
    expect(await run({
      open: { host: '127.0.0.1', port: listening },
      closed: { host: '127.0.0.1', port: closed },
      nowhere: { host: 'no-such-host.invalid', port: 5432 },
    })).toEqual({ open: 'connected', closed: 'refused', nowhere: 'unresolved' });
  });

  // The stalled listener is a python3 socket that never accepts: without python3 this is a
  // reported skip (.ci/run installs it); with python3 a listener that cannot be stalled fails.
  (HAS_PYTHON ? test : test.skip)('reports timeout when the handshake never completes', async () => {
    if (!stalled) throw new Error('could not stall a listener with python3 (Linux accept-queue semantics expected)');
    const started = Date.now();
    expect(await run({ stalled: { host: '127.0.0.1', port: stalled.port } }, 500)).toEqual({ stalled: 'timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  });
});

/**
 * A listener whose accept queue is full, so the kernel drops further SYNs and a client's
 * handshake hangs — what a private address looks like from outside its VPC. Python holds a socket
 * with backlog 0 that never calls accept(); two connections fill the queue.
 */
async function stalledListener(): Promise<{ port: number; child: ChildProcess; fillers: net.Socket[] } | undefined> {
  const script = 'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(120)\n';
  let child: ChildProcess;
  try {
    child = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
  const port = await new Promise<number | undefined>(resolve => {
    child.once('error', () => resolve(undefined));
    child.stdout!.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
  });
  if (!port) return undefined;
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    fillers.push(socket);
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  return { port, child, fillers };
}
