/** How the function's concurrency is checked against what the database can take. */
export interface ConnectionBudgetOptions {
  /**
   * Database connections one function container opens at most (its pool size). The default
   * handler keeps one.
   *
   * @default 1
   */
  readonly functionConnectionsPerContainer?: number;

  /**
   * Reserve the function's concurrency at the cap the connection budget suggests: what the proxy
   * may open of the instance's `max_connections`, less the connections of the rotation function,
   * with the 30 % headroom RDS Proxy needs, divided by `functionConnectionsPerContainer`. Cannot be
   * combined with `functionReservedConcurrency`. Reserving concurrency needs an account whose
   * concurrency limit leaves 100 unreserved after it (new accounts may have a limit of 10).
   *
   * @default false
   */
  readonly functionConcurrencyFromBudget?: boolean;
}

/** The connection budget checked at synth, in numbers. */
export interface ConnectionBudget {
  /** The DB instance class, e.g. `db.t4g.micro`. */
  readonly instanceClass: string;
  /** Estimated default `max_connections` of the class. */
  readonly maxConnections: number;
  /** Connections the proxy may open: `maxConnections × proxyMaxConnectionsPercent`. */
  readonly proxyConnections: number;
  /** Connections held on the instance by clients that bypass the proxy (rotation function). */
  readonly directConnections: number;
  /** Connections left for the function through the proxy. */
  readonly functionConnections: number;
  /** Function containers the proxy can serve at once. */
  readonly concurrencyLimit: number;
  /** The reserved concurrency the budget suggests (with RDS Proxy's 30 % headroom). */
  readonly suggestedConcurrency: number;
}
