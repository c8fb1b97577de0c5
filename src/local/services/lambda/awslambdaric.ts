import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { UsageError } from '../../../io';
import { cacheDir } from '../../platform/cache';

const run = promisify(execFile);

/** The version of AWS's Python runtime interface client installed when the user has none. */
export const AWSLAMBDARIC_VERSION = '4.2.2';

/** This machine's Python, and where it finds awslambdaric. */
export interface PythonRuntime {
  readonly python: string;
  /** e.g. `3.11`. */
  readonly version: string;
  /** The directory holding the installed awslambdaric, or undefined when the user's Python imports it already. */
  readonly ricDir?: string;
}

/**
 * `python3` and awslambdaric for Python functions, as Lambda's Python runtime starts them
 * (`python3 -m awslambdaric <handler>`): the user's awslambdaric when `python3` imports it, else
 * the one installed from PyPI into the local cache (once, with a line saying so).
 */
export async function pythonRuntime(say: (line: string) => void, python = 'python3'): Promise<PythonRuntime> {
  let version: string;
  let importable: boolean;
  try {
    const probe = await run(python, ['-c', 'import sys\nprint("%d.%d" % sys.version_info[:2])\ntry:\n import awslambdaric\n print("ric")\nexcept ImportError:\n pass'], { timeout: 10_000 });
    [version, importable] = [probe.stdout.split('\n')[0], probe.stdout.includes('ric')];
  } catch {
    throw new UsageError(`the function runs on Python: install Python 3 (${python} is not on PATH)`);
  }
  if (importable) return { python, version };
  const ricDir = path.join(cacheDir(), 'python', `awslambdaric-${AWSLAMBDARIC_VERSION}-py${version}`);
  if (!fs.existsSync(ricDir)) {
    say(`Python: awslambdaric is not importable by ${python} ${version}; installing awslambdaric ${AWSLAMBDARIC_VERSION} from PyPI into ${ricDir} (once)`);
    await install(python, ricDir);
  }
  return { python, version, ricDir };
}

async function install(python: string, ricDir: string): Promise<void> {
  // Installed beside, then renamed: an interrupted install is never taken for a finished one.
  const partial = `${ricDir}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  try {
    await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-script-location',
      '--target', partial, `awslambdaric==${AWSLAMBDARIC_VERSION}`], { timeout: 300_000, env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } });
    fs.renameSync(partial, ricDir);
  } catch (err) {
    fs.rmSync(partial, { recursive: true, force: true });
    if (fs.existsSync(ricDir)) return;
    const why = String((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n').pop();
    throw new UsageError(`Python: installing awslambdaric from PyPI failed (${why}); install it yourself: ${python} -m pip install awslambdaric`);
  }
}
