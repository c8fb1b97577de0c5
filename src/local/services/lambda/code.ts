import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { FunctionSpec } from '../../assembly/model';
import { cacheDir } from '../../platform/cache';
import { extractZip } from '../../platform/zip';

/**
 * The directory a container runs the function's code from (LAMBDA_TASK_ROOT): the asset's
 * directory; a zip asset extracted once into the local cache (by its content's hash, so a new
 * synth of the same archive reuses it); inline code written as index.js into `runDir`.
 */
export function codeDirectory(fn: FunctionSpec, runDir: string): string {
  const code = fn.code;
  if ('directory' in code) return code.directory;
  if ('zip' in code) return extracted(code.zip);
  const inline = path.join(runDir, 'inline-code');
  fs.mkdirSync(inline, { recursive: true });
  fs.writeFileSync(path.join(inline, 'index.js'), code.inline);
  return inline;
}

function extracted(zip: string): string {
  const hash = createHash('sha256').update(fs.readFileSync(zip)).digest('hex').slice(0, 32);
  const dir = path.join(cacheDir(), 'lambda-code', hash);
  if (fs.existsSync(dir)) return dir;
  // Extracted beside, then renamed: a concurrent run or an interrupted one never sees half of it.
  const partial = `${dir}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  extractZip(zip, partial);
  fs.chmodSync(partial, 0o755);
  try {
    fs.renameSync(partial, dir);
  } catch (err) {
    fs.rmSync(partial, { recursive: true, force: true });
    if (!fs.existsSync(dir)) throw err;
  }
  return dir;
}
