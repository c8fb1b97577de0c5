// Bad input to the shipped command: one line on stderr saying what to do, exit 2, and nothing
// left running or on disk, whether it fails before starting anything or halfway.
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { CliRun, runCli, synthApp, tempDir } from './helpers';
import { EMBEDDED_POSTGRES_VERSION } from '../../src/local/services/rds/version';

jest.setTimeout(60_000);

let root: string;
let assembly: string;
beforeAll(() => {
  root = tempDir('bad-input');
  assembly = synthApp(path.join(root, 'cdk.out'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function expectUsageError(args: string[], message: RegExp): Promise<void> {
  const { code, stdout, stderr, leftovers, leftoverFiles } = await runCli(args);
  expect({ code, lines: stderr.trim().split('\n') }).toEqual({ code: 2, lines: [expect.stringMatching(message)] });
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stdout).not.toMatch(/^api: /m);
  expect(leftovers).toEqual([]);
  expect(leftoverFiles).toEqual([]);
}

test('no assembly', () => expectUsageError(['local', 'serve', '--assembly', path.join(root, 'missing')],
  /^secure-lambda-postgres: no cloud assembly: .*missing does not exist; run `cdk synth` first, or pass --assembly DIR$/));

test('an assembly without a SecureLambdaPostgres', async () => {
  const app = new App({ outdir: path.join(root, 'other.out') });
  new sqs.Queue(new Stack(app, 'JustAQueue'), 'Queue');
  app.synth();
  await expectUsageError(['local', 'verify', '--assembly', path.join(root, 'other.out')],
    /^secure-lambda-postgres: no SecureLambdaPostgres in .*other\.out \(stacks: JustAQueue\): add one to the app and run `cdk synth`, or pass --assembly DIR$/);
});

test('a stack that does not exist', () => expectUsageError(['local', 'serve', '--assembly', assembly, '--stack', 'Nope'],
  /^secure-lambda-postgres: no stack named Nope in .* \(stacks: LocalTest\); pass one of them to --stack$/));

test('a runtime the local stack does not start (.NET): what it runs instead', async () => {
  const code = path.join(root, 'dotnet-code');
  fs.mkdirSync(code, { recursive: true });
  const dotnet = synthApp(path.join(root, 'dotnet.out'), { functionCode: lambda.Code.fromAsset(code), functionHandler: 'App::App.Function::Handler', functionRuntime: lambda.Runtime.DOTNET_8 });
  await expectUsageError(['local', 'serve', '--assembly', dotnet],
    /^secure-lambda-postgres: LocalTest: the function's runtime is dotnet8; \.NET needs its SDK, .* It runs nodejs\*\.x, python3\.\*, provided\.al2023 .* and java\* functions$/);
});

test('a Java function whose asset lacks the runtime interface client: what to add', async () => {
  const code = path.join(root, 'java-code');
  fs.mkdirSync(path.join(code, 'lib'), { recursive: true });
  const java = synthApp(path.join(root, 'java.out'), { functionCode: lambda.Code.fromAsset(code), functionHandler: 'example.Handler::handleRequest', functionRuntime: lambda.Runtime.JAVA_21 });
  await expectUsageError(['local', 'serve', '--assembly', java],
    /^secure-lambda-postgres: the function's runtime is java21: add com\.amazonaws:aws-lambda-java-runtime-interface-client to its dependencies so its jar is in the asset's lib\/ /);
});

test('a port in use', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  try {
    await expectUsageError(['local', 'serve', '--assembly', assembly, '--port', String(port)],
      new RegExp(`^secure-lambda-postgres: port ${port} is in use: stop what is using it, or pass --port N \\(0 for any free port\\)$`));
  } finally {
    server.close();
  }
});

test('PostgreSQL fails to start (a data directory with a broken configuration): stopped halfway, nothing left', async () => {
  const dataDir = path.join(root, 'data');
  const first = await runCli(['local', 'verify', '--assembly', assembly, '--postgres', 'embedded', '--proxy', 'none', '--data-dir', dataDir]);
  expect(first.code).toBe(0);
  fs.appendFileSync(path.join(dataDir, 'postgresql.conf'), '\nshared_buffers = lots\n');
  await expectUsageError(['local', 'serve', '--assembly', assembly, '--postgres', 'embedded', '--port', '0', '--data-dir', dataDir],
    /^secure-lambda-postgres: PostgreSQL failed to start: .*shared_buffers.* \(data directory .*data\); fix or remove it, or drop --data-dir$/);
});

test('a warm data directory keeps its data across runs', async () => {
  const dataDir = path.join(root, 'warm');
  // initdb gives every new cluster a new system identifier, the first 8 bytes of global/pg_control.
  const systemIdentifier = () => fs.readFileSync(path.join(dataDir, 'global', 'pg_control')).subarray(0, 8).toString('hex');
  const identifiers: string[] = [];
  for (let i = 0; i < 2; i++) {
    const { code, stdout } = await runCli(['local', 'verify', '--assembly', assembly, '--postgres', 'embedded', '--proxy', 'none', '--data-dir', dataDir]);
    expect({ code, last: stdout.trim().split('\n').pop() }).toEqual({ code: 0, last: '6 passed, 0 failed' });
    identifiers.push(systemIdentifier());
  }
  expect(identifiers[1]).toBe(identifiers[0]);
  expect(fs.readFileSync(path.join(dataDir, 'PG_VERSION'), 'utf8').trim()).toBe(EMBEDDED_POSTGRES_VERSION.split('.')[0]);
});

test.each([
  [['local', 'serve', '--bogus'], /^secure-lambda-postgres: local serve: unknown option --bogus \(options: --assembly .*\)$/],
  [['local', 'serve', '--port', 'eighty'], /^secure-lambda-postgres: local serve: --port must be a whole number, got eighty$/],
  [['local', 'serve', '--postgres', 'docker'], /^secure-lambda-postgres: local serve: --postgres must be one of auto, system, embedded, got docker$/],
  [['local', 'deploy'], /^secure-lambda-postgres: local: unknown subcommand deploy; use local serve, local verify, local token or local rehearse$/],
  [['launch'], /^secure-lambda-postgres: unknown command launch \(commands: local, cost\); see secure-lambda-postgres --help$/],
  [['local', 'token', '--ttl', '0'], /^secure-lambda-postgres: local token: --ttl must be 1 to 86400 seconds, got 0$/],
  [['local', 'serve', '--clerk', 'clerk'], /^secure-lambda-postgres: local serve: --clerk must be one of local, template, got clerk$/],
  [['local', 'verify', '--clerk', 'template'], /^secure-lambda-postgres: local verify: --clerk template cannot be verified here: the checks sign session tokens with the local key; use `local serve --clerk template` and your app$/],
  [['local', 'token', '--clerk', 'template'], /^secure-lambda-postgres: local token: under --clerk template the function accepts only the sessions your Clerk instance issues \(sign in through your app\); local token signs for --clerk local$/],
  [['local', 'token', '--clerk', 'none'], /^secure-lambda-postgres: local token: --clerk must be one of local, template, got none$/],
])('bad arguments %j', (args, message) => expectUsageError(args, message));

test('a run killed with SIGKILL leaves PostgreSQL behind; the next run stops it and removes its files', async () => {
  const killed = CliRun.start(['local', 'serve', '--assembly', assembly, '--postgres', 'embedded', '--proxy', 'none', '--port', '0']);
  try {
    await killed.waitFor(/^ready in /m);
    process.kill(killed.pid, 'SIGKILL');
    await killed.exited;
    // The Node.js servers exit with their supervisor; PostgreSQL cannot know it is gone.
    await new Promise((r) => setTimeout(r, 300));
    expect((await killed.leftovers()).some((p) => /postgres/.test(p))).toBe(true);
    const next = await runCli(['local', 'verify', '--assembly', assembly, '--postgres', 'embedded', '--proxy', 'none']);
    expect(next.code).toBe(0);
    expect(next.stdout).toMatch(new RegExp(`^cleaned up after an earlier run that did not stop \\(pid ${killed.pid}\\): [1-9]\\d* process(es)? stopped, its temporary files removed$`, 'm'));
    expect(next.leftovers).toEqual([]);
    expect(await killed.leftovers()).toEqual([]);
    expect(killed.leftoverFiles()).toEqual([]);
  } finally {
    await killed.cleanup();
  }
});

test('a server that dies while serving stops the whole stack, exit 1, nothing left', async () => {
  const serve = CliRun.start(['local', 'serve', '--assembly', assembly, '--postgres', 'embedded', '--proxy', 'none', '--port', '0']);
  try {
    await serve.waitFor(/^ready in /m);
    const postmaster = (await serve.leftovers()).find((p) => /bin\/postgres -D/.test(p));
    expect(postmaster).toBeDefined();
    process.kill(Number(postmaster!.split(':')[0]), 'SIGKILL');
    expect(await serve.exited).toEqual({ code: 1, signal: null });
    expect(serve.stdout).toMatch(/^PostgreSQL exited unexpectedly \(SIGKILL\): stopping the local stack$/m);
    expect(await serve.leftovers()).toEqual([]);
    expect(serve.leftoverFiles()).toEqual([]);
  } finally {
    await serve.cleanup();
  }
});
