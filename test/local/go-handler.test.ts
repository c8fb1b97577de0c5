// A Go handler of the user's own (provided.al2023, github.com/aws/aws-lambda-go, pgx, the AWS SDK
// for Go, golang-jwt), built here from test/fixtures/go-handler into a `bootstrap` and checked by
// the shipped `local verify`: test case 1 (direct invocation, SELECT NOW() through PgBouncer with
// the app role's secret read from the local Secrets Manager), /health and the /me token checks.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { runCli, synthApp, tempDir } from './helpers';
import { isolationSkip } from './isolate-helpers';
import { REPO_ROOT } from '../harness/bundle';
import { pgbouncerUnavailable } from '../harness/stack';

jest.setTimeout(600_000);

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'go-handler');
const noGo = spawnSync('go', ['version']).status === 0 ? undefined : 'the go toolchain is not installed';
const skip = noGo ?? pgbouncerUnavailable();

let root: string;
let assembly: string;
afterAll(() => root && fs.rmSync(root, { recursive: true, force: true }));

(skip ? test.skip : test)(`local verify passes on a Go handler (provided.al2023)${skip ? ` (skipped: ${skip})` : ''}`, async () => {
  root = tempDir('go');
  const code = path.join(root, 'code');
  // Modules come from the Go module proxy into the user's module cache; nothing is vendored here.
  execFileSync('go', ['build', '-trimpath', '-o', path.join(code, 'bootstrap'), '.'], {
    cwd: FIXTURE,
    env: { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  assembly = synthApp(path.join(root, 'cdk.out'), {
    functionCode: lambda.Code.fromAsset(code),
    functionHandler: 'bootstrap',
    functionRuntime: lambda.Runtime.PROVIDED_AL2023,
  });
  const r = await runCli(['local', 'verify', '--assembly', assembly, '--postgres', 'system', '--proxy', 'pgbouncer']);
  expect(r.stdout).toMatch(/^ {2}runtime: provided\.al2023: the asset's bootstrap runs on this machine/m);
  expect(r.stdout).toMatch(/invoke \{\} \(test case 1: SELECT NOW\(\) through the proxy\).*200 \{"now":"\d{4}-/);
  expect(r.stdout).toMatch(/GET \/prod\/me with a local token.*200 \{"now":"[^"]+","userId":"user_local_verify"\}/);
  expect({ code: r.code, leftovers: r.leftovers }).toEqual({ code: 0, leftovers: [] });
});

// The function's namespace has its own loopback: the container's Runtime API is served there.
const isolateSkip = skip ?? isolationSkip;
(isolateSkip ? test.skip : test)(`and --isolate: in the replica of the VPC, from the application subnet${isolateSkip ? ` (skipped: ${isolateSkip})` : ''}`, async () => {
  const r = await runCli(['local', 'verify', '--assembly', assembly, '--isolate']);
  expect(r.stdout).toMatch(/GET \/prod\/me with a local token.*PASS.*"userId":"user_local_verify"/);
  expect(r.stdout).toMatch(/the function reaches the internet only through the NAT.*PASS/);
  expect({ code: r.code, last: r.stdout.trim().split('\n').pop(), leftovers: r.leftovers }).toEqual({ code: 0, last: expect.stringMatching(/^\d+ passed, 0 failed$/), leftovers: [] });
});
