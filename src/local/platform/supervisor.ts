import { ChildProcess, spawn, StdioOptions } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cliScript } from './assets';
import { FromComponent, ToComponent } from './component-protocol';
import { Placement, placed } from './placement';
import { RunDescription, RunRegistry } from './registry';
import { UsageError } from '../../io';

/** How a server is started and stopped. */
export interface ServerOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Run as this user (PostgreSQL and PgBouncer refuse to run as root). */
  readonly uid?: number;
  readonly gid?: number;
  readonly stdio?: StdioOptions;
  /** What stops it cleanly: PostgreSQL's fast shutdown is SIGINT. @default SIGTERM */
  readonly stopSignal?: NodeJS.Signals;
}

interface Tracked {
  readonly name: string;
  readonly child?: ChildProcess;
  readonly pid: number;
  readonly stopSignal: NodeJS.Signals;
}

/**
 * Starts every process of the local stack (through its placement) and stops every one of them by
 * PID, in reverse order, on shutdown or failure; owns the run's temporary directories. A process
 * that exits while the stack runs is reported through `onUnexpectedExit`.
 */
export class Supervisor {
  /** Called when a server exits while the stack runs (not while it is being stopped). */
  public onUnexpectedExit: ((name: string, code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
  private readonly tracked: Tracked[] = [];
  private readonly dirs: string[] = [];
  private readonly afterStop: Array<() => void> = [];
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private recovered = false;

  constructor(private readonly registry = new RunRegistry()) {}

  /**
   * Stop what earlier runs that were killed left behind; a line to print when there was some.
   * Once per run: `verify --isolate` recovers before building its replica, and the stack again.
   */
  public recoverAbandoned(): string | undefined {
    if (this.recovered) return undefined;
    this.recovered = true;
    return this.registry.recoverAbandoned();
  }

  /** Record what this run serves, for the commands that sign for it. */
  public describeRun(serve: RunDescription): void {
    this.registry.describe(serve);
  }

  /** A new temporary directory, removed by {@link stop}. */
  public makeTempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `slp-${prefix}-`));
    this.dirs.push(dir);
    this.registry.addDir(dir);
    return dir;
  }

  /** A network namespace this run is about to create: recorded first, so a later run removes it if this one dies. */
  public addNamespace(name: string): void {
    this.registry.addNamespace(name);
  }

  /** What removes what the run set up (its namespaces), once every process has stopped. */
  public onStopped(cleanup: () => void): void {
    this.afterStop.push(cleanup);
  }

  /** Start a server process in its placement. */
  public spawn(name: string, placement: Placement, command: string, args: readonly string[], options: ServerOptions = {}): ChildProcess {
    if (this.stopping) {
      throw new Error(`not starting ${name}: the local stack is stopping`);
    }
    const runAs = options.uid === undefined || options.gid === undefined ? undefined : { uid: options.uid, gid: options.gid };
    const line = placed(placement, command, args, runAs);
    // Its own process group: a Ctrl-C in the terminal reaches the supervisor only, which then
    // stops the servers in order.
    const child = spawn(line.command, [...line.args], { env: options.env ?? process.env, uid: line.uid, gid: line.gid, stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'], detached: true });
    child.on('error', () => undefined);
    if (child.pid === undefined) {
      throw new UsageError(`${name} could not be started (${line.command} not found or not executable)`);
    }
    this.track({ name, child, pid: child.pid, stopSignal: options.stopSignal ?? 'SIGTERM' });
    child.on('exit', (code, signal) => {
      if (!this.stopping) this.onUnexpectedExit?.(name, code, signal);
    });
    return child;
  }

  /**
   * Start a component (a Node.js server of this CLI, `__component NAME`) and wait for it to be
   * ready; a component that fails to start fails the startup with its message.
   */
  public async startComponent(component: string, name: string, placement: Placement, config: unknown, timeoutMs = 30_000):
  Promise<{ child: ChildProcess; info: Record<string, any> }> {
    const child = this.spawn(name, placement, process.execPath, [cliScript(), '__component', component], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.tell(child, { type: 'start', config });
    const info = await new Promise<Record<string, any>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs / 1000} s`)), timeoutMs);
      const done = (f: () => void) => {
        clearTimeout(timer);
        f();
      };
      child.on('message', (m: FromComponent) => {
        if (m.type === 'ready') done(() => resolve(m.info));
        else if (m.type === 'failed') done(() => reject(m.usage ? new UsageError(m.message) : new Error(`${name} failed to start: ${m.message}`)));
        else if (m.type === 'spawned') this.adopt(`${name} container`, m.pid);
        else if (m.type === 'exited') this.release(m.pid);
      });
      child.once('exit', (code) => done(() => reject(new Error(`${name} exited with code ${code} while starting`))));
    });
    return { child, info };
  }

  private track(t: Tracked): void {
    this.tracked.push(t);
    this.registry.addProcess(t.pid, t.name);
  }

  /** A process started for the run by something else (a function container): stopped with the rest (SIGKILL). */
  public adopt(name: string, pid: number): void {
    this.track({ name, pid, stopSignal: 'SIGKILL' });
  }

  /** ... and that it has exited (its PID may be reused). */
  public release(pid: number): void {
    const i = this.tracked.findIndex((t) => t.pid === pid && !t.child);
    if (i >= 0) this.tracked.splice(i, 1);
    this.registry.removeProcess(pid);
  }

  /** Send a message to a running component. */
  public tell(child: ChildProcess, message: ToComponent): void {
    if (child.connected) child.send(message);
  }

  /** Stop every process (reverse start order; SIGKILL after 5 s), run the cleanups, remove the temp dirs. Idempotent. */
  public stop(): Promise<void> {
    this.stopped ??= this.stopAll();
    return this.stopped;
  }

  private async stopAll(): Promise<void> {
    this.stopping = true;
    for (const t of [...this.tracked].reverse()) {
      await stopProcess(t);
    }
    this.tracked.length = 0;
    for (const cleanup of this.afterStop.splice(0).reverse()) cleanup();
    for (const dir of this.dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    this.registry.close();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopProcess(t: Tracked): Promise<void> {
  const exited = () => (t.child ? t.child.exitCode !== null || t.child.signalCode !== null : !alive(t.pid));
  if (exited()) return;
  try {
    process.kill(t.pid, t.stopSignal);
  } catch {
    return;
  }
  const deadline = Date.now() + 5000;
  while (!exited() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (!exited()) {
    try {
      process.kill(t.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
