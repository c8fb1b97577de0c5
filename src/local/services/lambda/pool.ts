import { Container, ContainerSpec, Outcome } from './container';

/** An invocation's outcome, plus the container's init time when it was a cold start. */
export type Invocation = (Outcome | { readonly ok: false; readonly kind: 'throttled'; readonly durationMs: 0; readonly errorType: string; readonly errorMessage: string }) & {
  readonly initMs?: number;
};

export interface PoolOptions extends ContainerSpec {
  /** The most containers this machine runs for the function at once. */
  readonly maxContainers: number;
  /** The function's reserved concurrency: more concurrent invocations are throttled, as in Lambda. */
  readonly reservedConcurrency?: number;
}

/**
 * The containers of one function: an invocation takes an idle container (warm) or starts one
 * (cold) while fewer than the cap run; beyond the function's reserved concurrency it is throttled,
 * beyond the local cap it waits for a container to come free (up to the function's timeout).
 */
export class FunctionPool {
  private readonly idle: Container[] = [];
  private readonly all = new Set<Container>();
  private readonly waiters: Array<(c: Container | undefined) => void> = [];
  private starting = 0;
  private stopped = false;
  /** Containers started from earlier options (before a reload): stopped instead of reused. */
  private readonly retired = new Set<Container>();

  constructor(private options: PoolOptions) {}

  /**
   * New code or settings (a new synth): containers start from these from now on; idle ones are
   * stopped now, busy ones when their invocation ends.
   */
  public reconfigure(options: PoolOptions): void {
    this.options = options;
    for (const c of this.all) this.retired.add(c);
    for (const c of this.idle.splice(0)) this.discard(c);
  }

  private discard(container: Container): void {
    this.all.delete(container);
    this.retired.delete(container);
    void container.stop();
  }

  private get cap(): number {
    const reserved = this.options.reservedConcurrency;
    return reserved === undefined ? this.options.maxContainers : Math.min(reserved, this.options.maxContainers);
  }

  /** Start one container ahead of the first request (its Init overlaps the stack's startup). */
  public async warm(): Promise<void> {
    const started = await this.startContainer().catch(() => undefined);
    if (started) this.release(started.container);
  }

  public async invoke(event: unknown, requestId: string): Promise<Invocation> {
    let container = this.idle.pop();
    let initMs: number | undefined;
    if (!container && this.all.size + this.starting < this.cap) {
      try {
        ({ container, initMs } = await this.startContainer());
      } catch (err) {
        const e = err as Error & { errorType?: string };
        return { ok: false, kind: 'error', durationMs: 0, errorType: e.errorType ?? 'Runtime.InitError', errorMessage: e.message };
      }
    }
    if (!container) {
      const reserved = this.options.reservedConcurrency;
      if (reserved !== undefined && reserved <= this.options.maxContainers) {
        return { ok: false, kind: 'throttled', durationMs: 0, errorType: 'TooManyRequestsException', errorMessage: `Rate Exceeded: reserved concurrency ${reserved} in use` };
      }
      container = await this.waitForContainer();
      if (!container) {
        return { ok: false, kind: 'throttled', durationMs: 0, errorType: 'TooManyRequestsException', errorMessage: `all ${this.cap} local containers stayed busy` };
      }
    }
    const outcome = await container.invoke(event, requestId);
    this.release(container);
    return { ...outcome, initMs };
  }

  public async stop(): Promise<void> {
    this.stopped = true;
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
    await Promise.all([...this.all].map((c) => c.stop()));
  }

  private async startContainer(): Promise<{ container: Container; initMs: number }> {
    this.starting++;
    const { container, ready } = Container.start(this.options);
    try {
      const initMs = await ready;
      this.all.add(container);
      return { container, initMs };
    } catch (err) {
      container.kill();
      throw err;
    } finally {
      this.starting--;
    }
  }

  private waitForContainer(): Promise<Container | undefined> {
    return new Promise((resolve) => {
      const waiter = (c: Container | undefined) => {
        clearTimeout(timer);
        resolve(c);
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        resolve(undefined);
      }, this.options.timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private release(container: Container): void {
    if (!container.alive || this.stopped || this.retired.has(container)) {
      this.discard(container);
      // A dead container's place is free: a waiter may start a new one.
      const waiter = this.stopped ? undefined : this.waiters.shift();
      if (waiter) this.startContainer().then((s) => waiter(s.container), () => waiter(undefined));
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter(container);
    else this.idle.push(container);
  }
}
