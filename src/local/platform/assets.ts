import * as fs from 'fs';
import * as path from 'path';

/** The worker runtime's bundle under `assets/` (from src/local/services/lambda/worker/runtime.ts). */
const WORKER = ['local', 'services', 'lambda', 'worker', 'runtime', 'index.js'];

/**
 * The directory holding the local stack's build outputs (`local/services/lambda/worker/runtime/index.js`,
 * `local/services/lambda/sdk/...`): `assets/` of the package, found from the CLI bundle
 * (assets/cli/main) or from the sources (src/local/platform, lib/local/platform).
 */
export function assetsDir(): string {
  const candidates = [path.resolve(__dirname, '..', '..'), path.resolve(__dirname, '..', '..', '..', 'assets')];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, ...WORKER)));
  if (!found) {
    throw new Error(`the local stack's assets are missing next to ${__dirname}: run \`npx projen bundle\``);
  }
  return found;
}

/** The CLI bundle, which also runs the components and the probes (`__component`, `__probe`). */
export const cliScript = () => path.join(assetsDir(), 'cli', 'main', 'index.js');
export const workerScript = () => path.join(assetsDir(), ...WORKER);
/** The container of every other runtime: the Runtime API server that starts it (worker/runtime-api.ts). */
export const runtimeApiScript = () => path.join(assetsDir(), 'local', 'services', 'lambda', 'worker', 'runtime-api', 'index.js');
export const sdkDir = () => path.join(assetsDir(), 'local', 'services', 'lambda', 'sdk');
