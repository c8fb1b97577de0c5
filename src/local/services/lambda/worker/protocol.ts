/** Messages between the local Lambda service and one function container (Node.js IPC). */

/** Service → container: run one invocation. */
export interface InvokeMessage {
  readonly type: 'invoke';
  readonly id: string;
  readonly event: unknown;
  /** Epoch milliseconds at which the service kills the container. */
  readonly deadline: number;
}

/** An error as the Lambda runtime reports it. */
export interface ReportedError {
  readonly errorType: string;
  readonly errorMessage: string;
  /**
   * The error's stack lines, as the Node.js runtime reports them (`trace`). The local stack never
   * prints them (they would reach the terminal); tests read them.
   */
  readonly trace?: readonly string[];
}

/** Service → container: what the container has loaded so far (tests of the function's footprint). */
export interface InspectMessage {
  readonly type: 'inspect';
  readonly id: string;
}

/** Container → service. */
export type ContainerMessage =
  | { readonly type: 'ready'; readonly initMs: number }
  /** A Runtime API container started its runtime: a process of its own, stopped with the rest. */
  | { readonly type: 'runtime'; readonly pid: number }
  | ({ readonly type: 'init-error' } & ReportedError)
  | { readonly type: 'result'; readonly id: string; readonly payload: unknown; readonly durationMs: number }
  | ({ readonly type: 'error'; readonly id: string; readonly durationMs: number } & ReportedError)
  | { readonly type: 'inspected'; readonly id: string; readonly state: ContainerState };

/** A container's resident memory, and the npm packages and Node.js built-ins it has loaded. */
export interface ContainerState {
  readonly rss: number;
  readonly packages: readonly string[];
  readonly builtins: readonly string[];
}
