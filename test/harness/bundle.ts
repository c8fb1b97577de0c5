import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** What ships: the esbuild output of src/handler/api.lambda.ts (projen task bundle:handler/api.lambda). */
export const BUNDLE_PATH = path.join(REPO_ROOT, 'assets', 'handler', 'api.lambda', 'index.js');
const BUNDLE_TASK = 'bundle:handler/api.lambda';
const SOURCES = ['src/handler', 'src/runtime', 'src/contract.ts', 'package-lock.json'];

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

/** Why the bundle must be (re)built, or undefined when it is fresh. */
export function bundleStaleness(): string | undefined {
  if (!fs.existsSync(BUNDLE_PATH)) {
    return 'missing';
  }
  const built = fs.statSync(BUNDLE_PATH).mtimeMs;
  const newest = Math.max(...SOURCES.map((s) => newestMtime(path.join(REPO_ROOT, s))));
  return newest > built ? 'older than its sources' : undefined;
}

/**
 * Build the handler asset with the project's own bundle task when it is missing or stale, so the
 * tests always exercise what would ship. Safe to call from several jest workers at once.
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
    const why = bundleStaleness();
    if (!why) {
      return;
    }
    const res = spawnSync('npx', ['projen', BUNDLE_TASK], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120000 });
    if (res.status !== 0 || bundleStaleness()) {
      throw new Error(
        `The handler bundle is ${why} and building it failed. Run \`npx projen bundle\` and fix the errors:\n${res.stdout}\n${res.stderr}`);
    }
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
