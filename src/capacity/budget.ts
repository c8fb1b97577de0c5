import { instanceClassSpec, largerClasses } from './instance-classes';
import { ConnectionBudget } from './options';

/** RDS for PostgreSQL's default `max_connections`: `LEAST({DBInstanceClassMemory/9531392}, 5000)`. */
export const MAX_CONNECTIONS_DIVISOR = 9531392;
export const MAX_CONNECTIONS_CAP = 5000;

/**
 * DBInstanceClassMemory is the class's memory minus what RDS keeps for the operating system and
 * its own processes; AWS documents that it is lower, not by how much. We assume 300 MiB plus 2 %
 * of the memory, which stays just below every published measurement of the default
 * `max_connections` we found (1 GiB: 79–87, 2 GiB: 198, 4 GiB: 413, 8 GiB: 856, 15.25 GiB: 1660),
 * so the budget errs on the safe side.
 */
export const RESERVED_MEMORY_BYTES = 300 * 2 ** 20;
export const RESERVED_MEMORY_SHARE = 0.02;

/** PostgreSQL's `superuser_reserved_connections` default: slots only `rdsadmin` may use. */
export const SUPERUSER_RESERVED_CONNECTIONS = 3;

/**
 * RDS Proxy documents that it needs at least 30 % headroom over the connections in use, because
 * it redistributes the connection quota across its nodes; the suggested cap keeps it.
 */
export const PROXY_HEADROOM = 1.3;

/** A client that connects to the instance itself, not through the proxy. */
export interface DirectClient {
  readonly name: string;
  readonly connections: number;
}

export interface BudgetInput {
  /** e.g. `t4g.micro` or `db.t4g.micro`. */
  readonly instanceClass: string;
  readonly proxyMaxConnectionsPercent: number;
  readonly connectionsPerContainer: number;
  readonly reservedConcurrency?: number;
  readonly directClients: DirectClient[];
}


/** The default `max_connections` of a class with this much memory. */
export function defaultMaxConnections(memoryGiB: number): number {
  const memory = memoryGiB * 2 ** 30;
  const dbInstanceClassMemory = memory - RESERVED_MEMORY_BYTES - RESERVED_MEMORY_SHARE * memory;
  return Math.min(Math.floor(dbInstanceClassMemory / MAX_CONNECTIONS_DIVISOR), MAX_CONNECTIONS_CAP);
}

/** The connection budget of a configuration, or undefined when the class is not in our table. */
export function connectionBudget(input: BudgetInput): ConnectionBudget | undefined {
  const spec = instanceClassSpec(input.instanceClass);
  if (!spec) return undefined;
  const maxConnections = defaultMaxConnections(spec.memoryGiB);
  const proxyConnections = Math.floor(maxConnections * input.proxyMaxConnectionsPercent / 100);
  const directConnections = input.directClients.reduce((sum, c) => sum + c.connections, 0);
  const functionConnections = Math.max(0, Math.min(proxyConnections, maxConnections - SUPERUSER_RESERVED_CONNECTIONS - directConnections));
  return {
    instanceClass: spec.name,
    maxConnections,
    proxyConnections,
    directConnections,
    functionConnections,
    concurrencyLimit: Math.floor(functionConnections / input.connectionsPerContainer),
    suggestedConcurrency: Math.floor(functionConnections / PROXY_HEADROOM / input.connectionsPerContainer),
  };
}

/** How the budget's numbers come about, for error and warning messages. */
export function explainBudget(budget: ConnectionBudget, input: BudgetInput): string {
  const direct = input.directClients.map(c => `${c.connections} for the ${c.name}`);
  return `${budget.instanceClass} allows max_connections ≈ ${budget.maxConnections} (RDS's LEAST(DBInstanceClassMemory/9531392, 5000)), `
    + `the proxy may open ${input.proxyMaxConnectionsPercent} % of them (${budget.proxyConnections}); less ${SUPERUSER_RESERVED_CONNECTIONS} reserved for superusers`
    + `${direct.length ? ` and ${direct.join(' and ')}` : ''} that leaves ${budget.functionConnections} connections for the function`;
}

/** The smallest larger class of the same family whose budget covers `demand`, if any. */
export function smallestClassFor(demand: number, input: BudgetInput): ConnectionBudget | undefined {
  for (const instanceClass of largerClasses(input.instanceClass)) {
    const budget = connectionBudget({ ...input, instanceClass });
    if (budget && budget.functionConnections >= demand) return budget;
  }
  return undefined;
}
