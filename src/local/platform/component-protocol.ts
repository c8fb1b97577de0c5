/** Messages between the supervisor and a component process (a Node.js server of the local stack). */

/** Supervisor → component. */
export type ToComponent =
  | { readonly type: 'start'; readonly config: unknown }
  /** API: serve a new synth of the app (new code, environment, routes); `api` and `pool` as in its config. */
  | { readonly type: 'reload'; readonly api: unknown; readonly pool: unknown }
  /** Secrets Manager: store a new value of a secret (a rotation); answered with `stored`. */
  | { readonly type: 'put-secret'; readonly arn: string; readonly value: string }
  /** RDS Proxy: the users and passwords of its secrets now (a rotation). */
  | { readonly type: 'put-users'; readonly users: ReadonlyArray<{ readonly username: string; readonly password: string }> };

/** Component → supervisor. */
export type FromComponent =
  | { readonly type: 'ready'; readonly info: Record<string, unknown> }
  /** `usage`: the user can fix it (a port in use), so the CLI exits 2. */
  | { readonly type: 'failed'; readonly message: string; readonly usage: boolean }
  /** A process the component started (a function container), for the supervisor to stop too. */
  | { readonly type: 'spawned'; readonly pid: number }
  /** ... and that it has exited (its PID may be reused: the supervisor forgets it). */
  | { readonly type: 'exited'; readonly pid: number }
  /** The new value of a secret is what reads return from now on. */
  | { readonly type: 'stored'; readonly arn: string }
  /** API: the new synth serves the requests that arrive from now on. */
  | { readonly type: 'reloaded' }
  /** RDS Proxy: a client session was pinned (why, and the statement with its values redacted). */
  | { readonly type: 'pinned'; readonly user: string; readonly kind: string; readonly excerpt: string };

/** A started component: what it tells the supervisor, and how it stops. */
export interface RunningComponent {
  readonly info: Record<string, unknown>;
  onMessage?(message: ToComponent): void;
  stop(): Promise<void>;
}

/** Starts a component in the current process from the supervisor's config. */
export type ComponentStarter = (config: any, notify: (message: FromComponent) => void) => Promise<RunningComponent>;
