import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** What ships: the esbuild output of src/handler/api.lambda.ts (projen task bundle:handler/api.lambda). */
export const BUNDLE_PATH = path.join(REPO_ROOT, 'assets', 'handler', 'api.lambda', 'index.js');
/** The migration function's bundle (src/migrations/migrate.lambda.ts), which every synth needs too. */
export const MIGRATION_BUNDLE_PATH = path.join(REPO_ROOT, 'assets', 'migrations', 'migrate.lambda', 'index.js');
/** What ships as the `secure-lambda-postgres` command (projen task bundle:cli/main). */
export const CLI_PATH = path.join(REPO_ROOT, 'assets', 'cli', 'main', 'index.js');

interface Bundle {
  readonly task: string;
  readonly output: string;
  readonly sources: readonly string[];
}

const BUNDLES: readonly Bundle[] = [
  { task: 'bundle:handler/api.lambda', output: BUNDLE_PATH, sources: ['src/handler', 'src/runtime', 'src/contract.ts', 'package-lock.json'] },
  { task: 'bundle:migrations/migrate.lambda', output: MIGRATION_BUNDLE_PATH, sources: ['src/migrations', 'src/runtime', 'src/contract.ts', 'package-lock.json'] },
  { task: 'bundle:cli/main', output: CLI_PATH, sources: ['src/cli', 'src/io.ts', 'src/local', 'src/cost', 'src/assembly', 'src/migrations', 'src/runtime', 'src/contract.ts', 'scripts/create-only-properties.js', 'package-lock.json'] },
  {
    task: 'bundle:local/services/lambda/worker/runtime',
    output: path.join(REPO_ROOT, 'assets', 'local', 'services', 'lambda', 'worker', 'runtime', 'index.js'),
    sources: ['src/local/services/lambda/worker'],
  },
  {
    task: 'bundle:local/services/lambda/worker/runtime-api',
    output: path.join(REPO_ROOT, 'assets', 'local', 'services', 'lambda', 'worker', 'runtime-api', 'index.js'),
    sources: ['src/local/services/lambda/worker', 'src/local/services/lambda/runtime-api'],
  },
  {
    task: 'bundle:local/services/lambda/sdk/@aws-sdk/client-secrets-manager',
    output: path.join(REPO_ROOT, 'assets', 'local', 'services', 'lambda', 'sdk', '@aws-sdk', 'client-secrets-manager', 'index.js'),
    sources: ['src/local/services/lambda/sdk', 'package-lock.json'],
  },
];

function newestMtime(p: string): number {
  if (!fs.existsSync(p)) {
    return 0;
  }
  const st = fs.statSync(p);
  if (!st.isDirectory()) {
    return st.mtimeMs;
  }
  return fs.readdirSync(p).reduce((max, e) => Math.max(max, newestMtime(path.join(p, e))), st.mtimeMs);
}

function staleness(bundle: Bundle): string | undefined {
  if (!fs.existsSync(bundle.output)) {
    return 'missing';
  }
  const built = fs.statSync(bundle.output).mtimeMs;
  const newest = Math.max(...bundle.sources.map((s) => newestMtime(path.join(REPO_ROOT, s))));
  return newest > built ? 'older than its sources' : undefined;
}

/** Why a bundle must be (re)built, or undefined when all are fresh. */
export function bundleStaleness(): string | undefined {
  const stale = BUNDLES.map((b) => [b, staleness(b)] as const).filter(([, why]) => why);
  return stale.length === 0 ? undefined : stale.map(([b, why]) => `${path.relative(REPO_ROOT, b.output)} ${why}`).join(', ');
}

/**
 * Build the handler and CLI assets with the project's own bundle tasks when missing or stale, so
 * the tests always exercise what would ship. Safe to call from several jest workers at once.
 */
export function ensureBundle(): void {
  if (!bundleStaleness()) {
    return;
  }
  // Outside assets/ (which is packaged and uploaded as the Lambda code).
  const lock = path.join(os.tmpdir(), `slp-bundle-${createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + 120000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // Another worker is building; a lock older than 2 minutes is abandoned.
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 120000) {
          fs.rmSync(lock, { recursive: true, force: true });
        }
      } catch {
        // raced with its removal
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${lock}`);
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    for (const bundle of BUNDLES) {
      const why = staleness(bundle);
      if (!why) {
        continue;
      }
      const res = spawnSync('npx', ['projen', bundle.task], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120000 });
      if (res.status !== 0 || staleness(bundle)) {
        throw new Error(
          `${path.relative(REPO_ROOT, bundle.output)} is ${why} and building it failed. Run \`npx projen bundle\` and fix the errors:\n${res.stdout}\n${res.stderr}`);
      }
    }
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
