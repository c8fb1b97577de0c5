// The dev loop: while `local serve` runs, `cdk synth` again and the next request runs the new
// code and environment; an invocation already running finishes on the old container.
import * as fs from 'fs';
import * as path from 'path';
import { Fn } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CliRun, http, synthApp, tempDir } from './helpers';

jest.setTimeout(90_000);

const handler = (version: number) => `exports.handler = async (event) => {
  if (event.path === '/slow') await new Promise((r) => setTimeout(r, 1500));
  return { statusCode: 200, body: JSON.stringify({ version: ${version}, greeting: process.env.GREETING, pid: process.pid }) };
};`;

let root: string;
let serve: CliRun | undefined;
afterAll(async () => {
  await serve?.cleanup();
  fs.rmSync(root, { recursive: true, force: true });
});

function synthVersion(version: number, environment: Record<string, string> = {}): void {
  const code = path.join(root, `code-v${version}`);
  fs.mkdirSync(code, { recursive: true });
  fs.writeFileSync(path.join(code, 'index.js'), handler(version));
  synthApp(path.join(root, 'cdk.out'), {
    functionCode: lambda.Code.fromAsset(code),
    functionHandler: 'index.handler',
    functionEnvironment: { GREETING: `hello v${version}`, ...environment },
  });
}

test('a new synth is served without a restart; the running invocation finishes on the old code', async () => {
  root = tempDir('reload');
  synthVersion(1);
  serve = CliRun.start(['local', 'serve', '--assembly', path.join(root, 'cdk.out'), '--postgres', 'embedded', '--proxy', 'none', '--port', '0']);
  const api = (await serve.waitFor(/^api: (\S+)$/m))[1];
  await serve.waitFor(/^watching the assembly/m);
  expect((await http(`${api}hello`)).json).toMatchObject({ version: 1, greeting: 'hello v1' });

  const slow = http(`${api}slow`);
  await new Promise((r) => setTimeout(r, 200));
  // A value only a deployment has: the new synth's note says what the function gets instead.
  synthVersion(2, { BUCKET: Fn.importValue('shared-bucket-name') });
  await serve.waitFor(/^reloaded LocalTest\/Backend: index\.handler from /m);
  expect(serve.stdout).toMatch(/^LocalTest\/Backend: env BUCKET: refers to a deployed resource the local stack does not run; set to '' \(pass --env BUCKET=VALUE\)$/m);
  const fresh = (await http(`${api}hello`)).json;
  expect(fresh).toMatchObject({ version: 2, greeting: 'hello v2' });
  const old = (await slow).json;
  expect(old).toMatchObject({ version: 1 });
  expect(old.pid).not.toBe(fresh.pid);
  expect((await serve.stop('SIGINT')).code).toBe(0);
  expect(await serve.leftovers()).toEqual([]);
});
