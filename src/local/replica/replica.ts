import { Host, HOST, Topology } from './topology';
import { namespaceOf, wiringPlan } from './wiring';
import { DEFAULT_DB_PORT } from '../../contract';
import { UsageError } from '../../io';
import { BackendSpec } from '../assembly/model';
import { createNamespaces, removeNamespaces, runPrefix } from '../platform/netns';
import { Placement } from '../platform/placement';
import { Supervisor } from '../platform/supervisor';
import { StackNetwork } from '../stack/stack';

/** Secrets Manager's port, at its public endpoint or its interface endpoint: HTTPS. */
export const SECRETS_MANAGER_PORT = 443;
/** The server on the internet that tells a client which address it sees. */
export const WEB_PORT = 443;

/** A built replica: its topology, and where each part of the stack runs in it. */
export interface Replica {
  readonly topology: Topology;
  readonly network: StackNetwork;
  /** The `internet` namespace, at its client address. */
  readonly internet: Placement;
  /** A host's placement, or undefined when the template has no such host. */
  placement(name: string): Placement | undefined;
  host(name: string): Host | undefined;
}

/**
 * Creates the replica's namespaces (removed when the supervisor stops, or by the next run if
 * this one dies) and places the stack in them: PostgreSQL on the database's ENI, PgBouncer on
 * the proxy's, the function's containers on the function's, API Gateway and the Lambda Invoke
 * API in the public subnet (they reach the function through the Lambda service, a process
 * pipe, never through the VPC), Secrets Manager at its interface endpoint or on the internet.
 */
export function buildReplica(topology: Topology, spec: BackendSpec, supervisor: Supervisor): Replica {
  const prefix = runPrefix();
  const plans = wiringPlan(topology, prefix);
  supervisor.onStopped(() => void removeNamespaces(plans.map((p) => p.name)));
  try {
    createNamespaces(plans, (name) => supervisor.addNamespace(name));
  } catch (err) {
    throw new UsageError(`--isolate could not build the replica's network namespaces: ${(err as Error).message}`);
  }
  const hosts = new Map(topology.hosts.map((h) => [h.name, h]));
  const at = (h: Host): Placement => ({ tier: h.tier, host: h.address, netns: namespaceOf(prefix, h.name) });
  const outside = (address: string): Placement => ({ tier: 'internet', host: address, netns: namespaceOf(prefix, 'internet') });
  const placement = (name: string) => (hosts.has(name) ? at(hosts.get(name)!) : undefined);
  const secrets = hosts.get(HOST.SECRETS);
  return {
    topology,
    internet: outside(topology.outside.client),
    host: (name) => hosts.get(name),
    placement,
    network: {
      placements: {
        public: placement(HOST.API) ?? outside(topology.outside.api),
        function: placement(HOST.FUNCTION)!,
        proxy: placement(HOST.PROXY)!,
        database: placement(HOST.DATABASE)!,
        migration: placement(HOST.MIGRATION) ?? placement(HOST.FUNCTION)!,
        services: secrets ? at(secrets) : outside(topology.outside.secretsManager),
      },
      ports: { database: spec.database.port, proxy: DEFAULT_DB_PORT, secretsManager: SECRETS_MANAGER_PORT },
    },
  };
}
