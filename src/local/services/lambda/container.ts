import { ChildProcess, spawn } from 'child_process';
import { randomUUID } from 'crypto';
import { ContainerMessage, InvokeMessage, ReportedError } from './worker/protocol';
import { runtimeApiScript } from '../../platform/assets';
import { Placement, placed } from '../../platform/placement';

/** How one invocation ended. */
export type Outcome =
  | { readonly ok: true; readonly payload: unknown; readonly durationMs: number }
  | { readonly ok: false; readonly kind: 'error' | 'timeout' | 'crash'; readonly durationMs: number } & ReportedError;

/** A runtime started behind the container's Runtime API: its command and arguments. */
export interface RuntimeLaunch {
  readonly command: string;
  readonly args: readonly string[];
}

/** What a container runs: the worker runtime with the function's code and environment. */
export interface ContainerSpec {
  /** The Node.js worker runtime (nodejs* functions). */
  readonly workerScript: string;
  /**
   * Any other runtime (Python, `provided`, Java): started as Lambda starts it, speaking the Runtime
   * API that the container serves on its loopback.
   * @default the Node.js worker runtime
   */
  readonly launch?: RuntimeLaunch;
  readonly environment: Readonly<Record<string, string>>;
  readonly placement: Placement;
  readonly timeoutMs: number;
  /** Told each container's PID, so the supervisor can stop it even if this process dies. */
  readonly onSpawn?: (pid: number) => void;
  readonly onExit?: (pid: number) => void;
}

/**
 * One function container: a Node.js process running the worker runtime, one invocation at a
 * time. It writes straight to this process's stdout/stderr (the function's log stream). A timed
 * out or crashed container is killed and never reused, like a Lambda execution environment.
 */
export class Container {
  /** Start a container; resolves after its Init phase (the handler module loaded) with the init time. */
  public static start(spec: ContainerSpec): { container: Container; ready: Promise<number> } {
    const script = spec.launch ? [runtimeApiScript(), spec.launch.command, ...spec.launch.args] : [spec.workerScript];
    const { command, args } = placed(spec.placement, process.execPath, script);
    // A Runtime API container is a process group (the server and the runtime it starts): killed as one.
    const child = spawn(command, args, { env: { ...spec.environment }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached: spec.launch !== undefined });
    const pid = child.pid;
    if (pid !== undefined) {
      spec.onSpawn?.(pid);
      child.once('exit', () => spec.onExit?.(pid));
    }
    const container = new Container(child, spec.timeoutMs, spec.launch !== undefined);
    return { container, ready: container.ready };
  }

  private readonly ready: Promise<number>;
  private current: { id: string; resolve: (o: Outcome) => void; started: number; timer: NodeJS.Timeout } | undefined;
  private exited = false;
  private killed = false;

  private constructor(private readonly child: ChildProcess, private readonly timeoutMs: number, private readonly group: boolean) {
    this.ready = new Promise((resolve, reject) => {
      child.on('message', (m: ContainerMessage) => {
        if (m.type === 'ready') {resolve(m.initMs);} else if (m.type === 'init-error') {reject(Object.assign(new Error(m.errorMessage), { errorType: m.errorType }));} else if ((m.type === 'result' || m.type === 'error') && m.id === this.current?.id) {
          this.finish(m.type === 'result'
            ? { ok: true, payload: m.payload, durationMs: m.durationMs }
            : { ok: false, kind: 'error', durationMs: m.durationMs, errorType: m.errorType, errorMessage: m.errorMessage });
        }
      });
      child.on('error', (err) => reject(Object.assign(err, { errorType: 'Runtime.StartError' })));
      child.on('exit', (code, signal) => {
        this.exited = true;
        reject(Object.assign(new Error(`the container exited during Init (${signal ?? `code ${code}`})`), { errorType: 'Runtime.ExitError' }));
        if (this.current) {
          const elapsed = Date.now() - this.current.started;
          this.finish({ ok: false, kind: 'crash', durationMs: elapsed, errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${this.current.id} Error: Runtime exited ${signal ? `with signal ${signal}` : `with error: exit status ${code}`}` });
        }
      });
    });
    this.ready.catch(() => undefined);
  }

  /** False once it exited or was killed (a killed container is never handed out again). */
  public get alive(): boolean {
    return !this.exited && !this.killed;
  }

  public get pid(): number | undefined {
    return this.child.pid;
  }

  /** Run one invocation; the container is killed when it exceeds the function's timeout. */
  public invoke(event: unknown, id: string = randomUUID()): Promise<Outcome> {
    return new Promise((resolve) => {
      const started = Date.now();
      const timer = setTimeout(() => {
        const seconds = (this.timeoutMs / 1000).toFixed(2);
        this.kill();
        this.finish({ ok: false, kind: 'timeout', durationMs: this.timeoutMs, errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${id} Error: Task timed out after ${seconds} seconds` });
      }, this.timeoutMs);
      this.current = { id, resolve, started, timer };
      const message: InvokeMessage = { type: 'invoke', id, event, deadline: started + this.timeoutMs };
      this.child.send(message);
    });
  }

  public kill(): void {
    this.killed = true;
    if (this.exited) return;
    if (this.group && this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
        return;
      } catch {
        // The group is gone already; the process itself below.
      }
    }
    this.child.kill('SIGKILL');
  }

  /** Stop gracefully (the runtime exits when its IPC channel closes), then kill. */
  public async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.kill(), 2000);
    await exited;
    clearTimeout(timer);
  }

  private finish(outcome: Outcome): void {
    const current = this.current;
    if (!current) return;
    this.current = undefined;
    clearTimeout(current.timer);
    current.resolve(outcome);
  }
}
