/** Messages between the local Lambda service and one function container (Node.js IPC). */

/** Service → container: run one invocation. */
export interface InvokeMessage {
  readonly type: 'invoke';
  readonly id: string;
  readonly event: unknown;
  /** Epoch milliseconds at which the service kills the container. */
  readonly deadline: number;
}

/** An error as the Lambda runtime reports it (no stack: it would reach the terminal). */
export interface ReportedError {
  readonly errorType: string;
  readonly errorMessage: string;
}

/** Container → service. */
export type ContainerMessage =
  | { readonly type: 'ready'; readonly initMs: number }
  /** A Runtime API container started its runtime: a process of its own, stopped with the rest. */
  | { readonly type: 'runtime'; readonly pid: number }
  | ({ readonly type: 'init-error' } & ReportedError)
  | { readonly type: 'result'; readonly id: string; readonly payload: unknown; readonly durationMs: number }
  | ({ readonly type: 'error'; readonly id: string; readonly durationMs: number } & ReportedError);
