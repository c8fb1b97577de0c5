import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { buildSync } from 'esbuild';
import { SecureLambdaPostgres, SecureLambdaPostgresProps } from '../../src';
import { procStat } from '../../src/local/platform/proc';
import { CLI_PATH, ensureBundle, REPO_ROOT } from '../harness/bundle';
import { CLERK_PEM } from '../util';

/** Synthesize an app holding one `SecureLambdaPostgres` into `dir`, as `cdk synth` would. */
export function synthApp(dir: string, props: SecureLambdaPostgresProps = {},
  customize?: (backend: SecureLambdaPostgres, stack: Stack) => void): string {
  const app = new App({ outdir: dir });
  const stack = new Stack(app, 'LocalTest', { env: { account: '123456789012', region: 'eu-west-1' } });
  const backend = new SecureLambdaPostgres(stack, 'Backend', {
    // Any RSA key: the local stack replaces it with its own.
    clerkJwtKey: CLERK_PEM,
    clerkAuthorizedParties: ['https://app.example.com', 'https://admin.example.com'],
    ...props,
  });
  customize?.(backend, stack);
  app.synth();
  return dir;
}

/**
 * A handler of the user's own, bundled as they would: `source` (CommonJS, `exports.handler`) with
 * pg and whatever else it requires, into `<root>/code/main.js`; `external` stays out (the AWS SDK
 * the Lambda runtime provides). Returns the code directory.
 */
export function bundleHandler(root: string, source: string, external: readonly string[]): string {
  const code = path.join(root, 'code');
  fs.writeFileSync(path.join(root, 'main.js'), source);
  buildSync({
    entryPoints: [path.join(root, 'main.js')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: path.join(code, 'main.js'),
    external: ['pg-native', ...external],
    nodePaths: [path.join(REPO_ROOT, 'node_modules')],
    logLevel: 'error',
  });
  return code;
}

/** A temp dir the database's service user can traverse (PostgreSQL runs as `postgres` under root). */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `slp-test-${prefix}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  /**
   * Directories the command must not see (as root on Linux): it runs in a mount namespace of its
   * own with an empty tmpfs over each, so a machine without them is what it finds.
   */
  readonly hide?: readonly string[];
  /** Run as this user instead of the test's (its TMPDIR is handed to it). */
  readonly user?: string;
}

/**
 * One run of the shipped command (`node assets/cli/main/index.js ...`), as a user starts it,
 * with a TMPDIR of its own so that what it leaves behind (temp dirs, processes) can be found.
 */
export class CliRun {
  public static start(args: readonly string[], options: RunOptions = {}): CliRun {
    ensureBundle();
    return new CliRun(args, options);
  }

  public readonly tmp = tempDir('tmp');
  public stdout = '';
  public stderr = '';
  public readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  private constructor(args: readonly string[], options: RunOptions) {
    const hide = (options.hide ?? []).filter((d) => fs.existsSync(d));
    const [command, argv] = hide.length === 0 ? [process.execPath, [CLI_PATH, ...args]] : ['unshare', [
      '--mount', '--propagation', 'private', 'sh', '-c',
      // exec: the command keeps the child's PID, so signals and leftover checks reach it.
      `${hide.map((d) => `mount -t tmpfs tmpfs '${d}' && `).join('')}exec "$0" "$@"`, process.execPath, CLI_PATH, ...args,
    ]] as const;
    const id = (flag: string) => Number(execFileSync('id', [flag, options.user!], { encoding: 'utf8' }).trim());
    const user = options.user === undefined ? undefined : { uid: id('-u'), gid: id('-g') };
    if (user) fs.chownSync(this.tmp, user.uid, user.gid);
    this.child = spawn(command, argv, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, TMPDIR: this.tmp, XDG_CACHE_HOME: sharedCache(), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      uid: user?.uid,
      gid: user?.gid,
    });
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  public get pid(): number {
    return this.child.pid!;
  }

  /** The first stdout match of `pattern`, waiting up to `timeoutMs` (fails early if the command exits). */
  public async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    let done = false;
    void this.exited.then(() => (done = true));
    for (;;) {
      const m = pattern.exec(this.stdout);
      if (m) return m;
      if (done || Date.now() > deadline) {
        throw new Error(`no ${pattern} in the output (${done ? 'the command exited' : 'timed out'}):\n${this.stdout}\n${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Send a signal and wait for the exit. */
  public async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  /**
   * Processes still running that belong to this run (they name its TMPDIR in their command line
   * or environment), after giving the ones that exit with their supervisor a moment to do so.
   */
  public async leftovers(): Promise<string[]> {
    const deadline = Date.now() + 1000;
    for (;;) {
      const found = processesNaming(this.tmp);
      if (found.length === 0 || Date.now() > deadline) return found.map((p) => `${p.pid}: ${p.cmdline}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** What the run left in its TMPDIR. */
  public leftoverFiles(): string[] {
    return fs.readdirSync(this.tmp);
  }

  /** Stop the command as a user would (SIGTERM), kill whatever of it is left (by PID), remove its TMPDIR. */
  public async cleanup(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.stop('SIGTERM');
      clearTimeout(timer);
    }
    for (const p of processesNaming(this.tmp)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

function processesNaming(text: string): Array<{ pid: number; cmdline: string }> {
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (procStat(Number(pid))?.state !== 'Z' && (cmdline.includes(text) || environ.includes(text))) found.push({ pid: Number(pid), cmdline: cmdline.replace(/\0/g, ' ').slice(0, 120) });
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Run to completion; what it left behind is collected, then removed. */
export async function runCli(args: readonly string[], options: RunOptions = {}):
Promise<{ code: number | null; stdout: string; stderr: string; leftovers: string[]; leftoverFiles: string[] }> {
  const run = CliRun.start(args, options);
  const { code } = await run.exited;
  const leftovers = await run.leftovers();
  const leftoverFiles = run.leftoverFiles();
  await run.cleanup();
  return { code, stdout: run.stdout, stderr: run.stderr, leftovers, leftoverFiles };
}

let cache: string | undefined;
/** One cache dir per test file (the local Clerk key lives there), removed after the file's tests. */
function sharedCache(): string {
  if (!cache) {
    cache = tempDir('cache');
  }
  return cache;
}
afterAll(() => {
  if (cache) fs.rmSync(cache, { recursive: true, force: true });
  cache = undefined;
});

/** GET/POST with a JSON answer. */
export async function http(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; json: any; text: string }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(35_000) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/**
 * The logins of the pgpass file `local serve` prints, by user: `host:port:database:user:password`
 * lines, where `\:` and `\\` escape a colon and a backslash (libpq's format).
 */
export function pgpassLogins(file: string): Map<string, string> {
  const field = String.raw`((?:[^:\\]|\\.)*)`;
  const line = new RegExp(`^${field}:${field}:${field}:${field}:${field}$`);
  const unescape = (v: string) => v.replace(/\\(.)/g, '$1');
  return new Map(fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => {
    const m = line.exec(l);
    if (!m) throw new Error(`not a pgpass line: ${l.split(':').slice(0, 4).join(':')}:…`);
    return [unescape(m[4]), unescape(m[5])];
  }));
}
