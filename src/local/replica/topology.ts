import { Cidr, hostAddress, outsideNetwork } from './addresses';
import { readSecurityGroups, SecurityGroupModel } from './security-groups';
import { instanceInterface, readTemplateNetwork, referencedList, RouteInfo, SubnetInfo, TemplateNetwork } from './template-network';
import { UsageError } from '../../io';
import { referencedId } from '../assembly/intrinsics';
import { BackendSpec } from '../assembly/model';

type Props = Record<string, any>;

/** One host of the replica: an ENI of the template (or a stand-in in its subnet), in a namespace of its own. */
export interface Host {
  /** Its name, and the name of its port (interface) on the router: at most 15 characters. */
  readonly name: string;
  /** What it stands for, for the rule listing. */
  readonly role: string;
  /** `public`, `application`, `database`, or the subnet group of another subnet. */
  readonly tier: string;
  readonly subnet: SubnetInfo;
  readonly address: string;
  /** The VPC router's address in the host's subnet (the first after the network address, as in AWS). */
  readonly gateway: string;
  /** Security groups the ENI carries. */
  readonly groups: readonly string[];
  /** It forwards traffic, translating the source to its own address (a NAT device, the edge forwarder). */
  readonly forwards: boolean;
  /** The template resource it stands for, when there is one. */
  readonly resource?: string;
}

/** The `internet` namespace's addresses: a documentation network, never a real one. */
export interface Outside {
  readonly network: Cidr;
  /** The router's address on the internet side (the internet gateway). */
  readonly gateway: string;
  /** Where test case 2's direct connects come from. */
  readonly client: string;
  /** A second client whose packets the edge forwarder in the public subnet passes on. */
  readonly viaEdge: string;
  /** A server on the internet that answers with the address it sees: where NAT shows. */
  readonly web: string;
  /** Secrets Manager's public endpoint (used unless the template has an interface endpoint for it). */
  readonly secretsManager: string;
  /** API Gateway and the Lambda Invoke API, when the template has no public subnet to put them in. */
  readonly api: string;
}

/** The replica of one backend's VPC: hosts, route tables, security groups. */
export interface Topology {
  readonly backend: string;
  readonly vpcCidrs: readonly Cidr[];
  readonly hosts: readonly Host[];
  readonly outside: Outside;
  /** Route table id → routes (besides the local one) of every table a host's subnet uses. */
  readonly routeTables: ReadonlyMap<string, readonly RouteInfo[]>;
  readonly groups: ReadonlyMap<string, SecurityGroupModel>;
  readonly notes: readonly string[];
}

/** Names of the hosts the checks and the stack look for. */
export const HOST = { FUNCTION: 'fn', PROXY: 'proxy', DATABASE: 'db', MIGRATION: 'migrate', BASTION: 'bastion', API: 'api', EDGE: 'edge', SECRETS: 'sm' } as const;

interface Placed {
  readonly name: string;
  readonly role: string;
  readonly subnet: string;
  readonly groups: readonly string[];
  readonly forwards?: boolean;
  readonly resource?: string;
}

/** Builds the replica's topology from the backend's template. */
export function buildTopology(spec: BackendSpec): Topology {
  const template = spec.stack.template;
  const resources: Record<string, { Type: string; Properties?: Props }> = template.Resources ?? {};
  const network = readTemplateNetwork(template);
  const props = (id: string): Props => resources[id]?.Properties ?? {};
  const fn = props(spec.metadata.function).VpcConfig ?? {};
  const proxy = props(spec.metadata.proxy);
  const db = props(spec.metadata.database);
  const dbSubnets = referencedList(props(referencedId(db.DBSubnetGroupName) ?? '').SubnetIds);
  const placed: Placed[] = [
    { name: HOST.FUNCTION, role: `the function's ENI (${spec.function.logicalId}: its containers)`, subnet: first(fn.SubnetIds), groups: referencedList(fn.SecurityGroupIds) },
    { name: HOST.PROXY, role: `RDS Proxy ${spec.metadata.proxy} (PgBouncer)`, subnet: first(proxy.VpcSubnetIds), groups: referencedList(proxy.VpcSecurityGroupIds) },
    { name: HOST.DATABASE, role: `RDS instance ${spec.metadata.database} (PostgreSQL)`, subnet: dbSubnets[0] ?? '', groups: referencedList(db.VPCSecurityGroups) },
  ];
  const migrationId = spec.metadata.migrationFunction;
  const migration = migrationId === undefined ? undefined : props(migrationId).VpcConfig;
  if (migration) {
    placed.push({ name: HOST.MIGRATION, role: `the migration function's ENI (${migrationId})`, subnet: first(migration.SubnetIds), groups: referencedList(migration.SecurityGroupIds) });
  }
  const bastion = Object.entries(resources).find(([, r]) => r.Type === 'AWS::EC2::Instance' && nameTag(r.Properties).startsWith(`${spec.name}/Bastion/`));
  if (bastion) {
    const eni = instanceInterface(bastion[1].Properties ?? {});
    placed.push({ name: HOST.BASTION, role: `bastion ${bastion[0]}`, subnet: eni.subnet ?? '', groups: eni.groups });
  }
  const endpoint = network.endpoints.find((e) => e.service === 'secretsmanager' && e.privateDns);
  if (endpoint) placed.push({ name: HOST.SECRETS, role: `Secrets Manager interface endpoint ${endpoint.id}`, subnet: endpoint.subnets[0] ?? '', groups: endpoint.groups });
  for (const p of placed) subnetOf(network, p, spec);
  const nats = natsUsed(network, placed.map((p) => p.subnet));
  nats.forEach((nat, i) => placed.push({
    name: i === 0 ? 'nat' : `nat${i + 1}`,
    role: nat.kind === 'gateway' ? `NAT gateway ${nat.id} (masquerade)` : `NAT instance ${nat.id} (masquerade)`,
    subnet: nat.subnet,
    groups: nat.groups,
    forwards: true,
    resource: nat.id,
  }));
  const publicSubnet = nats[0]?.subnet ?? [...network.subnets.values()].find((s) => defaultRoute(network, s)?.target.kind === 'internet-gateway')?.id;
  if (publicSubnet) {
    placed.push({ name: HOST.API, role: 'API Gateway and the Lambda Invoke API (no VPC resource: no security group)', subnet: publicSubnet, groups: [] });
    placed.push({ name: HOST.EDGE, role: 'edge: a forwarder in the public subnet (as a load balancer or NAT instance is), no security group', subnet: publicSubnet, groups: [], forwards: true });
  }
  const vpc = network.subnets.get(placed[0].subnet)?.vpc;
  const vpcCidrs = (vpc && network.vpcs.get(vpc)) || [...new Set([...placed].map((p) => network.subnets.get(p.subnet)!.cidr))];
  const hosts = assignAddresses(network, placed, dbSubnets, [fn.SubnetIds, proxy.VpcSubnetIds].flatMap(referencedList));
  const used = new Set(hosts.map((h) => h.subnet.routeTable).filter((t): t is string => t !== undefined));
  return {
    backend: spec.name,
    vpcCidrs,
    hosts,
    outside: outsideAddresses(outsideNetwork([...vpcCidrs, ...hosts.map((h) => h.subnet.cidr)])),
    routeTables: new Map([...network.routeTables].filter(([id]) => used.has(id))),
    groups: readSecurityGroups(template),
    notes: [...network.notes, ...(endpoint ? [] : ['Secrets Manager: reached at its public endpoint on the internet (the template has no interface endpoint for it)'])],
  };
}

function first(list: unknown): string {
  return referencedList(list)[0] ?? '';
}

function nameTag(p: Props | undefined): string {
  return String((p?.Tags ?? []).find((t: Props) => t.Key === 'Name')?.Value ?? '');
}

function subnetOf(network: TemplateNetwork, p: Placed, spec: BackendSpec): void {
  if (!network.subnets.has(p.subnet)) {
    throw new UsageError(`--isolate builds the replica from the template's subnets and route tables, but ${p.role} is in subnet ${p.subnet || '(none)'}, `
      + `which ${spec.stack.displayName} does not create (an imported VPC?): define the VPC in the app, or run without --isolate`);
  }
}

function defaultRoute(network: TemplateNetwork, subnet: SubnetInfo): RouteInfo | undefined {
  return (network.routeTables.get(subnet.routeTable ?? '') ?? []).find((r) => r.destination.prefix === 0);
}

/** The NAT devices the hosts' subnets route to. */
function natsUsed(network: TemplateNetwork, subnets: readonly string[]) {
  const ids = new Set(subnets.flatMap((s) => (network.routeTables.get(network.subnets.get(s)?.routeTable ?? '') ?? [])
    .map((r) => (r.target.kind === 'nat' ? r.target.id : undefined))
    .filter((id): id is string => id !== undefined && network.nats.has(id))));
  return [...ids].map((id) => network.nats.get(id)!);
}

/** Each host gets the next free address of its subnet, from the eleventh on (AWS keeps the first four). */
function assignAddresses(network: TemplateNetwork, placed: readonly Placed[], dbSubnets: readonly string[], appSubnets: readonly string[]): Host[] {
  const next = new Map<string, number>();
  return placed.map((p) => {
    const subnet = network.subnets.get(p.subnet)!;
    const offset = next.get(subnet.id) ?? 10;
    next.set(subnet.id, offset + 1);
    const route = defaultRoute(network, subnet);
    const tier = route?.target.kind === 'internet-gateway' ? 'public'
      : dbSubnets.includes(subnet.id) ? 'database'
        : appSubnets.includes(subnet.id) ? 'application' : subnet.group ?? subnet.id;
    const address = hostAddress(subnet.cidr, offset);
    return { ...p, tier, subnet, address, gateway: hostAddress(subnet.cidr, 1), forwards: p.forwards ?? false };
  });
}

function outsideAddresses(network: Cidr): Outside {
  const at = (n: number) => hostAddress(network, n);
  return { network, gateway: at(1), client: at(10), viaEdge: at(11), web: at(20), secretsManager: at(30), api: at(40) };
}
