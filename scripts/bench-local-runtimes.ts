/**
 * The function runtimes of `scripts/bench-local.ts`: one small app per runtime (Node.js, Python,
 * Go on provided.al2023), and the cold start of a container of each, measured through the local
 * Lambda service's `Container` as the stack starts them.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { percentile } from './bench-stats';
import { SecureLambdaPostgres } from '../src';
import { workerScript } from '../src/local/platform/assets';
import { loopback } from '../src/local/platform/placement';
import { pythonRuntime } from '../src/local/services/lambda/awslambdaric';
import { Container } from '../src/local/services/lambda/container';
import { functionLaunch } from '../src/local/services/lambda/launch';

const NODE = 'exports.handler = async () => ({ statusCode: 200, headers: { \'content-type\': \'application/json\' }, body: \'{"status":"ok"}\' });\n';
const PYTHON = 'def handler(event, context):\n    return {\'statusCode\': 200, \'headers\': {\'content-type\': \'application/json\'}, \'body\': \'{"status":"ok"}\'}\n';
const GO_FIXTURE = path.resolve(__dirname, '..', 'test', 'fixtures', 'go-handler');

export interface RuntimeApp {
  readonly label: string;
  readonly runtime: lambda.Runtime;
  readonly handler: string;
  readonly code: string;
}

/** The same answer in each runtime, without the database (Go: the test fixture's `/ping`). */
export function runtimeApps(dir: string): RuntimeApp[] {
  const write = (name: string, file: string, text: string) => {
    const code = path.join(dir, name);
    fs.mkdirSync(code, { recursive: true });
    fs.writeFileSync(path.join(code, file), text);
    return code;
  };
  const apps: RuntimeApp[] = [
    { label: 'nodejs22.x', runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: write('node', 'index.js', NODE) },
    { label: 'python3.12', runtime: lambda.Runtime.PYTHON_3_12, handler: 'app.handler', code: write('python', 'app.py', PYTHON) },
  ];
  if (spawnSync('go', ['version']).status !== 0) {
    console.log('provided.al2023 (Go): not measured, go is not installed');
    return apps;
  }
  const go = path.join(dir, 'go');
  execFileSync('go', ['build', '-trimpath', '-o', path.join(go, 'bootstrap'), '.'], { cwd: GO_FIXTURE, env: { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' }, stdio: 'inherit' });
  return [...apps, { label: 'provided.al2023 (Go)', runtime: lambda.Runtime.PROVIDED_AL2023, handler: 'bootstrap', code: go }];
}

/** A cloud assembly whose function is `app`. */
export function synthRuntimeApp(outdir: string, app: RuntimeApp, clerkJwtKey: string): string {
  const cdk = new App({ outdir });
  new SecureLambdaPostgres(new Stack(cdk, 'Bench', { env: { account: '123456789012', region: 'us-east-1' } }), 'Backend', {
    clerkJwtKey,
    functionCode: lambda.Code.fromAsset(app.code),
    functionHandler: app.handler,
    functionRuntime: app.runtime,
    functionTimeout: Duration.seconds(10),
    apiThrottlingRateLimit: 10000,
    apiThrottlingBurstLimit: 5000,
  });
  cdk.synth();
  return outdir;
}

/** Spawn to the end of Init (ms, p50 of `n`) of a container of each app, one after the other. */
export async function coldStarts(apps: readonly RuntimeApp[], n: number): Promise<Array<{ label: string; p50: number; p90: number }>> {
  const python = await pythonRuntime((line) => console.log(line));
  const rows = [];
  for (const app of apps) {
    const fn = { logicalId: 'Fn', handler: app.handler, runtime: app.runtime.name, timeoutSeconds: 10, memoryMb: 128, environment: {}, code: { directory: app.code } };
    const started = functionLaunch(fn, app.code, { python });
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      const { container, ready } = Container.start({
        workerScript: workerScript(),
        launch: started.launch,
        placement: loopback('application'),
        timeoutMs: 10_000,
        environment: { PATH: process.env.PATH!, LAMBDA_TASK_ROOT: app.code, _HANDLER: app.handler, AWS_REGION: 'us-east-1', ...started.env },
      });
      await ready;
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
      await container.stop();
    }
    rows.push({ label: app.label, p50: percentile(samples, 50), p90: percentile(samples, 90) });
  }
  return rows;
}
