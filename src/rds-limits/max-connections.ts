import { instanceClassSpec } from './instance-classes';

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

/** The default `max_connections` of a class with this much memory. */
export function defaultMaxConnections(memoryGiB: number): number {
  const memory = memoryGiB * 2 ** 30;
  const dbInstanceClassMemory = memory - RESERVED_MEMORY_BYTES - RESERVED_MEMORY_SHARE * memory;
  return Math.min(Math.floor(dbInstanceClassMemory / MAX_CONNECTIONS_DIVISOR), MAX_CONNECTIONS_CAP);
}

/**
 * The connections RDS Proxy may open to an instance of this class: `MaxConnectionsPercent` of its
 * default `max_connections` (what the synth-time connection budget and the local proxy's pool
 * both count), or undefined for a class not in the table.
 */
export function proxyConnectionLimit(instanceClass: string, maxConnectionsPercent: number): number | undefined {
  const spec = instanceClassSpec(instanceClass);
  return spec && Math.floor(defaultMaxConnections(spec.memoryGiB) * maxConnectionsPercent / 100);
}
