import { ConnectionBudget } from './options';
import { instanceClassSpec, largerClasses } from '../rds-limits/instance-classes';
import { defaultMaxConnections, proxyConnectionLimit } from '../rds-limits/max-connections';

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


/** The connection budget of a configuration, or undefined when the class is not in our table. */
export function connectionBudget(input: BudgetInput): ConnectionBudget | undefined {
  const spec = instanceClassSpec(input.instanceClass);
  if (!spec) return undefined;
  const maxConnections = defaultMaxConnections(spec.memoryGiB);
  const proxyConnections = proxyConnectionLimit(spec.name, input.proxyMaxConnectionsPercent)!;
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
