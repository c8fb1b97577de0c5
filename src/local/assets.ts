import * as fs from 'fs';
import * as path from 'path';

/**
 * The directory holding the local stack's build outputs (`local/worker/runtime/index.js`,
 * `local/sdk/...`): `assets/` of the package, found from the CLI bundle (assets/cli/main) or from
 * the sources (src/local, lib/local).
 */
export function assetsDir(): string {
  const candidates = [path.resolve(__dirname, '..', '..'), path.resolve(__dirname, '..', '..', 'assets')];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'local', 'worker', 'runtime', 'index.js')));
  if (!found) {
    throw new Error(`the local stack's assets are missing next to ${__dirname}: run \`npx projen bundle\``);
  }
  return found;
}

/** The CLI bundle, which also runs the components and the probes (`__component`, `__probe`). */
export const cliScript = () => path.join(assetsDir(), 'cli', 'main', 'index.js');
export const workerScript = () => path.join(assetsDir(), 'local', 'worker', 'runtime', 'index.js');
export const sdkDir = () => path.join(assetsDir(), 'local', 'sdk');
