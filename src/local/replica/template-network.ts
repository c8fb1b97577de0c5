import { Cidr, parseCidr } from './addresses';
import { Template, TemplateResource } from '../../assembly/manifest';
import { referencedId } from '../assembly/intrinsics';

type Props = Record<string, any>;

/** A subnet the template creates: its network, VPC, subnet group and route table. */
export interface SubnetInfo {
  readonly id: string;
  readonly cidr: Cidr;
  readonly vpc?: string;
  /** CDK's `aws-cdk:subnet-name` tag (the subnet group), when present. */
  readonly group?: string;
  /** The associated route table; none: the VPC's main route table (the local route only). */
  readonly routeTable?: string;
}

/** Where a route sends its traffic. */
export type RouteTarget =
  | { readonly kind: 'internet-gateway'; readonly id: string }
  | { readonly kind: 'nat'; readonly id: string }
  /** A target the replica does not build (peering, transit gateway, VPN, an ENI): its packets are dropped. */
  | { readonly kind: 'unmodelled'; readonly what: string };

export interface RouteInfo {
  readonly id: string;
  readonly destination: Cidr;
  readonly target: RouteTarget;
}

/** A NAT gateway, or an instance that routes are sent to (a NAT instance), and the groups its ENI carries. */
export interface NatInfo {
  readonly id: string;
  readonly kind: 'gateway' | 'instance';
  readonly subnet: string;
  readonly groups: readonly string[];
}

/** An interface VPC endpoint: the service, where its ENIs are and the groups they carry. */
export interface InterfaceEndpointInfo {
  readonly id: string;
  /** The service's last name part: `secretsmanager`, `logs`, ... */
  readonly service: string;
  readonly subnets: readonly string[];
  readonly groups: readonly string[];
  readonly privateDns: boolean;
}

/** The VPC part of a template, as EC2 would build it. */
export interface TemplateNetwork {
  /** VPC logical id → its IPv4 networks (primary and secondary CIDR blocks). */
  readonly vpcs: ReadonlyMap<string, readonly Cidr[]>;
  readonly subnets: ReadonlyMap<string, SubnetInfo>;
  /** Route table logical id → its routes other than the local one. */
  readonly routeTables: ReadonlyMap<string, readonly RouteInfo[]>;
  readonly nats: ReadonlyMap<string, NatInfo>;
  readonly endpoints: readonly InterfaceEndpointInfo[];
  /** What the replica leaves out, one line each. */
  readonly notes: readonly string[];
}

const ROUTE_TARGETS = ['VpcPeeringConnectionId', 'TransitGatewayId', 'NetworkInterfaceId', 'VpcEndpointId', 'CarrierGatewayId', 'LocalGatewayId', 'CoreNetworkArn', 'EgressOnlyInternetGatewayId'];

/** Logical ids a list of `{ Ref }` / `{ Fn::GetAtt }` values points at, and literal ids (`subnet-…`) as written. */
export function referencedList(value: unknown): string[] {
  const id = (v: unknown) => referencedId(v) ?? (typeof v === 'string' ? v : undefined);
  return Array.isArray(value) ? value.map(id).filter((x): x is string => x !== undefined) : [];
}

function ofType(template: Template, type: string): Array<[string, Props]> {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => r.Type === type)
    .map(([id, r]: [string, TemplateResource]) => [id, (r.Properties ?? {}) as Props]);
}

/** Reads the VPCs, subnets, route tables, NAT devices and interface endpoints of a template. */
export function readTemplateNetwork(template: Template): TemplateNetwork {
  const notes: string[] = [];
  const vpcs = new Map<string, Cidr[]>();
  for (const [id, p] of ofType(template, 'AWS::EC2::VPC')) {
    const cidr = typeof p.CidrBlock === 'string' ? parseCidr(p.CidrBlock) : undefined;
    if (cidr) vpcs.set(id, [cidr]);
    else notes.push(`VPC ${id}: its CIDR block is not a literal (IPAM?): left out`);
  }
  for (const [, p] of ofType(template, 'AWS::EC2::VPCCidrBlock')) {
    const cidr = typeof p.CidrBlock === 'string' ? parseCidr(p.CidrBlock) : undefined;
    const vpc = referencedId(p.VpcId);
    if (cidr && vpc && vpcs.has(vpc)) vpcs.get(vpc)!.push(cidr);
  }
  const associations = new Map(ofType(template, 'AWS::EC2::SubnetRouteTableAssociation')
    .map(([, p]) => [referencedId(p.SubnetId) ?? '', referencedId(p.RouteTableId)] as const));
  const subnets = new Map<string, SubnetInfo>();
  for (const [id, p] of ofType(template, 'AWS::EC2::Subnet')) {
    const cidr = typeof p.CidrBlock === 'string' ? parseCidr(p.CidrBlock) : undefined;
    if (!cidr) {
      notes.push(`subnet ${id}: its CIDR block is not a literal: left out`);
      continue;
    }
    const group = (p.Tags ?? []).find((t: Props) => t.Key === 'aws-cdk:subnet-name')?.Value;
    subnets.set(id, { id, cidr, vpc: referencedId(p.VpcId), group: typeof group === 'string' ? group : undefined, routeTable: associations.get(id) });
  }
  const routeTables = new Map<string, RouteInfo[]>(ofType(template, 'AWS::EC2::RouteTable').map(([id]) => [id, []]));
  for (const [id, p] of ofType(template, 'AWS::EC2::Route')) {
    const table = routeTables.get(referencedId(p.RouteTableId) ?? '');
    const destination = typeof p.DestinationCidrBlock === 'string' ? parseCidr(p.DestinationCidrBlock) : undefined;
    if (!table) continue;
    if (!destination) {
      notes.push(`route ${id}: ${p.DestinationIpv6CidrBlock ? 'IPv6' : 'a prefix-list or token destination'} is not modelled (IPv4 CIDRs only)`);
      continue;
    }
    table.push({ id, destination, target: routeTarget(template, id, p, notes) });
  }
  for (const [id, p] of ofType(template, 'AWS::EC2::VPCEndpoint')) {
    if (p.VpcEndpointType === 'Gateway') notes.push(`gateway endpoint ${id} (${String(p.ServiceName)}): its prefix-list routes are not modelled`);
  }
  return { vpcs, subnets, routeTables, nats: readNats(template), endpoints: readInterfaceEndpoints(template), notes };
}

function routeTarget(template: Template, id: string, p: Props, notes: string[]): RouteTarget {
  const gateway = referencedId(p.GatewayId);
  if (gateway && template.Resources?.[gateway]?.Type === 'AWS::EC2::InternetGateway') return { kind: 'internet-gateway', id: gateway };
  const nat = referencedId(p.NatGatewayId) ?? referencedId(p.InstanceId);
  if (nat) return { kind: 'nat', id: nat };
  const other = ROUTE_TARGETS.find((k) => p[k] !== undefined) ?? (gateway ? `GatewayId ${gateway}` : 'an unknown target');
  notes.push(`route ${id}: ${p.DestinationCidrBlock} → ${other} is not modelled: its packets are dropped`);
  return { kind: 'unmodelled', what: other };
}

function readNats(template: Template): Map<string, NatInfo> {
  const nats = new Map<string, NatInfo>();
  for (const [id, p] of ofType(template, 'AWS::EC2::NatGateway')) {
    const subnet = referencedId(p.SubnetId);
    if (subnet) nats.set(id, { id, kind: 'gateway', subnet, groups: [] });
  }
  for (const [id, p] of ofType(template, 'AWS::EC2::Instance')) {
    const eni = instanceInterface(p);
    if (p.SourceDestCheck === false && eni.subnet) nats.set(id, { id, kind: 'instance', subnet: eni.subnet, groups: eni.groups });
  }
  return nats;
}

/** The subnet and groups of an instance's primary network interface. */
export function instanceInterface(p: Props): { subnet?: string; groups: string[] } {
  const primary = (p.NetworkInterfaces ?? []).find((n: Props) => String(n.DeviceIndex ?? '0') === '0');
  if (primary) return { subnet: referencedId(primary.SubnetId), groups: referencedList(primary.GroupSet) };
  return { subnet: referencedId(p.SubnetId), groups: referencedList(p.SecurityGroupIds) };
}

function readInterfaceEndpoints(template: Template): InterfaceEndpointInfo[] {
  return ofType(template, 'AWS::EC2::VPCEndpoint')
    .filter(([, p]) => p.VpcEndpointType === 'Interface')
    .map(([id, p]) => ({
      id,
      service: serviceOf(p.ServiceName),
      subnets: referencedList(p.SubnetIds),
      groups: referencedList(p.SecurityGroupIds),
      privateDns: p.PrivateDnsEnabled === true,
    }));
}

/** `com.amazonaws.<region>.secretsmanager` → `secretsmanager`, also when the region is a token in an `Fn::Join`. */
function serviceOf(name: unknown): string {
  const joined = (name as Props | undefined)?.['Fn::Join']?.[1];
  const text = typeof name === 'string' ? name : Array.isArray(joined) ? joined.filter((x) => typeof x === 'string').join('') : '';
  return text.split('.').pop() ?? '';
}
