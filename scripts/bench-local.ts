/**
 * Measures the local stack as a user meets it, and prints the figures side by side:
 * - startup: `local serve` to its first `/health` 200, as the command prints it ("ready in"),
 *   on the embedded engine (fresh and with a warm --data-dir) and on system PostgreSQL + PgBouncer;
 * - per-request overhead: for each request, the client's round trip minus the handler's own time
 *   (the Duration of the REPORT line with the same request id), at p50 / p90 / p99, for /health
 *   (a query through the proxy) and for /me with a local token (verification and a query);
 * - the same overhead for a function in each runtime (Node.js in the IPC worker, Python and Go
 *   behind the container's Runtime API), and each runtime's container cold start.
 * - per query: the local RDS Proxy (its front before PgBouncer) against PgBouncer alone, on the
 *   same PostgreSQL (scripts/bench-proxy.ts).
 *
 *   npx projen bundle && npx ts-node --project tsconfig.dev.json scripts/bench-local.ts [requests] [--runtimes-only]
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import { generateKeyPairSync } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { SecureLambdaPostgres } from '../src';
import { coldStarts, runtimeApps, synthRuntimeApp } from './bench-local-runtimes';
import { benchProxy, servedDatabase } from './bench-proxy';
import { percentile } from './bench-stats';

const CLI = path.resolve(__dirname, '..', 'assets', 'cli', 'main', 'index.js');
const REQUESTS = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 400);
const RUNTIMES_ONLY = process.argv.includes('--runtimes-only');
// Any RSA key: the local stack replaces it with its own.
const CLERK_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

function synth(dir: string): void {
  const app = new App({ outdir: dir });
  // Throttling high enough not to shape the measurement.
  new SecureLambdaPostgres(new Stack(app, 'Bench', { env: { account: '123456789012', region: 'us-east-1' } }), 'Backend', {
    clerkJwtKey: CLERK_KEY,
    apiThrottlingRateLimit: 10000,
    apiThrottlingBurstLimit: 5000,
  });
  app.synth();
}

interface Serve { child: ChildProcess; out: () => string; api: string; ready: number }

async function serve(args: string[]): Promise<Serve> {
  const child = spawn(process.execPath, [CLI, 'local', 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = /^ready in (\d+\.\d+) s \(first GET \S+ answered 200\)/m.exec(out);
    if (ready) return { child, out: () => out, api: /^api: (\S+)$/m.exec(out)![1], ready: Number(ready[1]) };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not get ready:\n${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stop(s: Serve): Promise<void> {
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(url: string, headers: http.OutgoingHttpHeaders = {}): Promise<{ ms: number; id: string }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    http.get(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, id: String(res.headers['x-amzn-requestid']) }));
    }).on('error', reject);
  });
}

const f = (n: number) => n.toFixed(2).padStart(13);

async function overhead(s: Serve, route: string, headers: http.OutgoingHttpHeaders = {}, label = `GET /${route}`): Promise<string> {
  for (let i = 0; i < 50; i++) await get(`${s.api}${route}`, headers);
  const samples: Array<{ ms: number; id: string }> = [];
  for (let i = 0; i < REQUESTS; i++) samples.push(await get(`${s.api}${route}`, headers));
  await new Promise((r) => setTimeout(r, 200));
  const durations = new Map([...s.out().matchAll(/^REPORT RequestId: (\S+)\tDuration: (\d+\.\d+) ms/gm)].map((m) => [m[1], Number(m[2])]));
  const rows = samples.filter((x) => durations.has(x.id))
    .map((x) => ({ client: x.ms, handler: durations.get(x.id)!, overhead: x.ms - durations.get(x.id)! }));
  if (rows.length === 0) throw new Error(`GET /${route}: no request reached the function (no REPORT line)`);
  const col = (k: 'client' | 'handler' | 'overhead') => rows.map((r) => r[k]);
  return [label.padEnd(22), ...[50, 90, 99].flatMap((p) => [f(percentile(col('client'), p)), f(percentile(col('handler'), p)), f(percentile(col('overhead'), p))]),
    `   ${(percentile(col('client'), 50) / percentile(col('handler'), 50)).toFixed(2)}x`, `  n=${rows.length}`].join('');
}

/** A session token the local stack trusts, for /me to reach the function past API Gateway's validator. */
function localToken(assembly: string[]): string {
  return execFileSync(process.execPath, [CLI, 'local', 'token', ...assembly], { encoding: 'utf8' }).trim();
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slp-bench-'));
  fs.chmodSync(dir, 0o755);
  try {
    synth(path.join(dir, 'cdk.out'));
    const assembly = ['--assembly', path.join(dir, 'cdk.out')];
    const data = ['--data-dir', path.join(dir, 'data')];
    console.log(`machine: ${os.cpus().length} cores, Node.js ${process.version}; ${REQUESTS} sequential keep-alive requests per row`);
    if (!RUNTIMES_ONLY) await stackFigures(assembly, data);
    await runtimeFigures(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    agent.destroy();
  }
}

const HEADER = `${''.padEnd(22)}${['p50', 'p90', 'p99'].map((p) => ['client', 'handler', 'overhead'].map((c) => `${c} ${p}`.padStart(13)).join('')).join('')}`;

/** Overhead per runtime (system PostgreSQL + PgBouncer), then each runtime's container cold start. */
async function runtimeFigures(dir: string): Promise<void> {
  const apps = runtimeApps(path.join(dir, 'runtimes'));
  console.log('\nper request by runtime: GET /ping, answered without the database, ms (as above)');
  console.log(HEADER);
  for (const app of apps) {
    const assembly = synthRuntimeApp(path.join(dir, `${app.label.replace(/\W+/g, '-')}.out`), app, CLERK_KEY);
    const s = await serve(['--assembly', assembly, '--postgres', 'system', '--proxy', 'pgbouncer']);
    try {
      console.log(await overhead(s, 'ping', {}, app.label));
    } finally {
      await stop(s);
    }
  }
  console.log('\ncontainer cold start: spawn to the end of Init (the runtime\'s first `next`, or the Node.js module loaded), ms, 10 each');
  for (const row of await coldStarts(apps, 10)) console.log(`  ${row.label.padEnd(22)} p50 ${row.p50.toFixed(1).padStart(7)}   p90 ${row.p90.toFixed(1).padStart(7)}`);
}

async function stackFigures(assembly: string[], data: string[]): Promise<void> {
  console.log('\nstartup to the first /health 200 (as `local serve` prints it)');
  const startups: Array<[string, string[]]> = [
    ['embedded, fresh data dir', ['--postgres', 'embedded', '--proxy', 'none', ...data]],
    ['embedded, warm data dir', ['--postgres', 'embedded', '--proxy', 'none', ...data]],
    ['embedded, temp data dir + PgBouncer', ['--postgres', 'embedded', '--proxy', 'auto']],
    ['system PostgreSQL + PgBouncer', ['--postgres', 'system', '--proxy', 'pgbouncer']],
  ];
  for (const [label, args] of startups) {
    const s = await serve([...assembly, ...args]);
    console.log(`  ${label.padEnd(40)} ${s.ready.toFixed(2)} s`);
    await stop(s);
  }
  console.log('\nper request, ms (client round trip | handler Duration | overhead = client - handler), ratio client/handler at p50');
  console.log(HEADER);
  for (const engine of [['--postgres', 'embedded', '--proxy', 'auto'], ['--postgres', 'system', '--proxy', 'pgbouncer']]) {
    const s = await serve([...assembly, ...engine]);
    try {
      console.log(`${engine[1]} PostgreSQL, ${engine[3] === 'auto' ? 'PgBouncer if installed' : 'PgBouncer'}`);
      console.log(await overhead(s, 'health'));
      console.log(await overhead(s, 'me', { authorization: `Bearer ${localToken(assembly)}` }));
      if (engine[1] === 'system') await benchProxy(servedDatabase(s.out()), REQUESTS);
    } finally {
      await stop(s);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
