// A Java function (java21) whose package carries AWS's runtime interface client
// (com.amazonaws:aws-lambda-java-runtime-interface-client from Maven Central, in lib/ as Lambda's
// zip layout has it), built here from test/fixtures/java-handler and run by the local Lambda
// service behind the container's Runtime API.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from './helpers';
import { workerScript } from '../../src/local/platform/assets';
import { loopback } from '../../src/local/platform/placement';
import { functionLaunch } from '../../src/local/services/lambda/launch';
import { FunctionPool } from '../../src/local/services/lambda/pool';
import { ensureBundle, REPO_ROOT } from '../harness/bundle';

jest.setTimeout(600_000);

const missing = ['java', 'mvn'].find((tool) => spawnSync(tool, ['-version']).status !== 0);

let root: string;
afterAll(() => root && fs.rmSync(root, { recursive: true, force: true }));

(missing ? test.skip : test)(`a Java handler runs with the runtime interface client from its package${missing ? ` (skipped: ${missing} is not installed)` : ''}`, async () => {
  ensureBundle();
  root = tempDir('java');
  const project = path.join(root, 'project');
  fs.cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'java-handler'), project, { recursive: true });
  execFileSync('mvn', ['-q', '-B', 'package', 'dependency:copy-dependencies', '-DoutputDirectory=target/lib', '-DincludeScope=runtime'], { cwd: project, stdio: ['ignore', 'ignore', 'inherit'] });
  const code = path.join(root, 'code');
  fs.cpSync(path.join(project, 'target', 'classes'), code, { recursive: true });
  fs.cpSync(path.join(project, 'target', 'lib'), path.join(code, 'lib'), { recursive: true });
  const fn = { logicalId: 'Fn', handler: 'example.Handler::handleRequest', runtime: 'java21', timeoutSeconds: 10, memoryMb: 128, environment: {}, code: { directory: code } };
  const started = functionLaunch(fn, code, {});
  const pool = new FunctionPool({
    workerScript: workerScript(),
    launch: started.launch,
    placement: loopback('application'),
    timeoutMs: 10_000,
    maxContainers: 1,
    environment: { PATH: process.env.PATH!, LAMBDA_TASK_ROOT: code, _HANDLER: fn.handler, AWS_REGION: 'eu-west-1', AWS_LAMBDA_FUNCTION_NAME: 'Fn', ...started.env },
  });
  try {
    expect(await pool.invoke({ hello: 'java' }, 'req-j')).toMatchObject({ ok: true, initMs: expect.any(Number), payload: { id: 'req-j', event: { hello: 'java' } } });
    expect(await pool.invoke({ fail: true }, 'req-k')).toMatchObject({ ok: false, kind: 'error', errorType: 'java.lang.IllegalStateException', errorMessage: 'boom from java' });
  } finally {
    await pool.stop();
  }
});
