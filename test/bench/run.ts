/**
 * `npx projen bench`: the default handler against the floor (jose + pg + the Secrets Manager
 * client), fastify + @clerk/fastify + @fastify/aws-lambda, built with the same esbuild flags, and
 * example/fastify (that stack with Drizzle and DATABASE_URL) as the example builds itself,
 * in one run on this machine, repeats interleaved, medians side by side with ratios. Needs the
 * PostgreSQL server binaries and PgBouncer (what .ci/run installs). A benchmark, not a test.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { ROOT, Subject, subjects } from './build';
import { burst, checkVerifies, coldMe, coldThenWarm, Setup } from './measure';
import { median, percentile, Row, table } from '../../scripts/bench-stats';
import { postgresBinaries } from '../harness/database';
import { findPgbouncer, PgBouncer } from '../harness/pgbouncer';
import { TestStack } from '../harness/stack';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 10);
const WARM_REQUESTS = Number(process.env.BENCH_WARM_REQUESTS ?? 2000);
const BURST_SIZE = 8;
const BURST_POOL = 2;
const FLOOR_BUNDLE_LIMIT = 1.2;

function machine(pgBin: string, bouncer: string): string {
  const cpu = os.cpus();
  const version = (cmd: string) => execFileSync(cmd, ['--version'], { encoding: 'utf8' }).trim().split('\n')[0];
  return `${cpu.length} cores (${cpu[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node.js ${process.version}, `
    + `${version(path.join(pgBin, 'postgres'))}, ${version(bouncer)}`;
}

type Samples = Map<string, Map<string, number[]>>;

function record(samples: Samples, subject: string, values: Record<string, number | number[]>): void {
  const bySubject = samples.get(subject) ?? new Map<string, number[]>();
  samples.set(subject, bySubject);
  for (const [metric, value] of Object.entries(values)) {
    // A warm run is reduced to its p50 and p99; the table shows their medians over the repeats.
    if (Array.isArray(value)) {
      bySubject.set(`${metric}.p50`, [...(bySubject.get(`${metric}.p50`) ?? []), percentile(value, 50)]);
      bySubject.set(`${metric}.p99`, [...(bySubject.get(`${metric}.p99`) ?? []), percentile(value, 99)]);
    } else {
      const list = bySubject.get(metric) ?? [];
      list.push(value);
      bySubject.set(metric, list);
    }
  }
}

function rows(all: Subject[], samples: Samples): Row[] {
  const m = (metric: string) => all.map((s) => median(samples.get(s.name)?.get(metric) ?? []));
  const size = (f: (b: Buffer) => number) => all.map((s) => f(fs.readFileSync(s.bundle)));
  return [
    { metric: 'bundle, raw (bytes)', values: size((b) => b.length), digits: 0 },
    { metric: 'bundle, gzip (bytes)', values: size((b) => gzipSync(b).length), digits: 0 },
    { metric: 'module init (ms)', values: m('init'), digits: 1 },
    { metric: 'first /health, fresh process (ms)', values: m('firstHealth'), digits: 1 },
    { metric: 'first /me, fresh process (ms)', values: m('firstMe'), digits: 1 },
    { metric: 'init + first /health (ms)', values: m('coldHealth'), digits: 1 },
    { metric: 'init + first /me (ms)', values: m('coldStart'), digits: 1 },
    { metric: `warm /me p50 (ms, ${WARM_REQUESTS} requests)`, values: m('me.p50'), digits: 3 },
    { metric: `warm /me p99 (ms, ${WARM_REQUESTS} requests)`, values: m('me.p99'), digits: 3 },
    { metric: `warm /health p50 (ms, ${WARM_REQUESTS} requests)`, values: m('health.p50'), digits: 3 },
    { metric: `warm /health p99 (ms, ${WARM_REQUESTS} requests)`, values: m('health.p99'), digits: 3 },
    { metric: 'RSS after the warm requests (MiB)', values: m('rss'), digits: 1 },
    { metric: `burst: ${BURST_SIZE} cold containers, /me, pool of ${BURST_POOL} (ms)`, values: m('burstMs'), digits: 0 },
    { metric: 'burst: requests not answered 200', values: m('burstFailed'), digits: 0 },
  ];
}

function budgetLine(all: Subject[]): string {
  const [ours, floor] = all.map((s) => fs.statSync(s.bundle).size);
  const check = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'check-bundle-size.js')], { encoding: 'utf8' });
  const ratio = ours / floor;
  const verdict = ratio <= FLOOR_BUNDLE_LIMIT ? 'OK' : 'OVER';
  return `${(check.stdout || check.stderr).trim()}\nbundle vs floor: ${ratio.toFixed(2)}× (limit ${FLOOR_BUNDLE_LIMIT}×): ${verdict}`;
}

async function main(): Promise<void> {
  const bouncer = findPgbouncer();
  if (!bouncer) {
    console.error('bench: needs PgBouncer (apt-get install pgbouncer, as .ci/run does)');
    process.exit(2);
  }
  const pgBin = postgresBinaries().binDir;
  const all = subjects();
  const stack = await TestStack.start({ pgbouncer: true });
  const small = await PgBouncer.start(stack.db, stack.certs, { poolSize: BURST_POOL });
  // PostgreSQL runs in its own process group: an interrupted bench must still stop it.
  const interrupted = async () => {
    await small.stop();
    await stack.destroy();
    process.exit(130);
  };
  process.once('SIGINT', () => void interrupted());
  process.once('SIGTERM', () => void interrupted());
  try {
    const viaBouncer = (b: PgBouncer) => stack.env({
      DB_HOST: 'localhost',
      DB_PORT: String(b.port),
      // @clerk/fastify wants both keys even when it verifies with the PEM (CLERK_JWT_KEY).
      CLERK_PUBLISHABLE_KEY: `pk_test_${Buffer.from('clerk.secure-lambda-postgres.test$').toString('base64')}`,
      CLERK_SECRET_KEY: stack.clerkSecretKey,
    });
    const setup: Setup = {
      stack, env: viaBouncer(stack.pgbouncer!), burstEnv: viaBouncer(small), warmRequests: WARM_REQUESTS, burstSize: BURST_SIZE,
    };
    for (const subject of all) {
      await checkVerifies(setup, subject);
    }
    const samples: Samples = new Map();
    for (let r = 0; r < REPEATS; r++) {
      // Interleaved, and each round starts with the next subject, so drift hits all alike.
      const order = [...all.slice(r % all.length), ...all.slice(0, r % all.length)];
      for (const subject of order) {
        record(samples, subject.name, await coldThenWarm(setup, subject));
        record(samples, subject.name, await coldMe(setup, subject));
        record(samples, subject.name, await burst(setup, subject));
      }
      process.stderr.write(`bench: round ${r + 1}/${REPEATS} done\n`);
    }
    console.log(`machine: ${machine(pgBin, bouncer)}`);
    console.log(`medians of ${REPEATS} interleaved repeats; every request through PgBouncer (transaction mode, TLS, SCRAM)\n`);
    console.log(table(all.map((s) => s.name), rows(all, samples)));
    console.log(`\n${budgetLine(all)}`);
  } finally {
    await small.stop();
    await stack.destroy();
  }
}

main().catch((err) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exit(1);
});
