import { Cidr, parseCidr } from './addresses';
import { Template } from '../../assembly/manifest';
import { DEFAULT_DB_PORT } from '../../contract';
import { referencedId } from '../assembly/intrinsics';

type Props = Record<string, any>;

/** Whom a rule admits (ingress) or reaches (egress). */
export type Peer =
  | { readonly kind: 'cidr'; readonly cidr: Cidr }
  /** Every interface that carries the group (none when the group is not in the template). */
  | { readonly kind: 'group'; readonly id: string }
  /** IPv6 networks and prefix lists: the replica is IPv4 only and has no AWS prefix lists. */
  | { readonly kind: 'unmodelled'; readonly what: string };

/** One rule of a security group, as EC2 enforces it. */
export interface SgRule {
  readonly group: string;
  readonly direction: 'in' | 'out';
  /** As the template writes it: `tcp`, `udp`, `icmp`, `-1`, or a protocol number. */
  readonly protocol: string;
  /** Ports (TCP, UDP) or ICMP type and code, resolved; undefined when unresolvable or for `-1`. */
  readonly from?: number;
  readonly to?: number;
  /** The port range as rendered (`5432-5432`, `all`, or the unresolved value). */
  readonly ports: string;
  readonly peer: Peer;
  /** `inline`, the logical id of a standalone rule, or EC2's default egress. */
  readonly origin: string;
  readonly description?: string;
}

export interface SecurityGroupModel {
  readonly id: string;
  readonly description?: string;
  readonly ingress: readonly SgRule[];
  readonly egress: readonly SgRule[];
  /** No inline egress: EC2 kept its default rule, all traffic to 0.0.0.0/0 (standalone egress only adds). */
  readonly defaultEgress: boolean;
  /** Its inline egress is CDK's "match no traffic" placeholder. */
  readonly placeholder: boolean;
}

export const DEFAULT_EGRESS_ORIGIN = 'EC2 default egress (the group has no inline egress)';

/** CDK's `allowAllOutbound: false` placeholder: ICMP type 252 code 86 to 255.255.255.255/32 matches no packet. */
export function isPlaceholder(rule: Props): boolean {
  return rule.CidrIp === '255.255.255.255/32' && String(rule.IpProtocol) === 'icmp' && Number(rule.FromPort) === 252 && Number(rule.ToPort) === 86;
}

/** A port written as a number, a numeric string, the instance's `Endpoint.Port`, or a parameter's default. */
export function resolvePort(template: Template, value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  const v = value as Props | undefined;
  const att = v?.['Fn::GetAtt'];
  const [id, attribute] = Array.isArray(att) ? att : typeof att === 'string' ? att.split(/\.(.*)/s) : [];
  const target = id === undefined ? undefined : template.Resources?.[String(id)];
  if (attribute === 'Endpoint.Port' && (target?.Type === 'AWS::RDS::DBInstance' || target?.Type === 'AWS::RDS::DBCluster')) {
    const port = target.Properties?.Port;
    return port === undefined ? (String(target.Properties?.Engine ?? '').includes('postgres') ? DEFAULT_DB_PORT : undefined) : resolvePort(template, port);
  }
  const parameter = typeof v?.Ref === 'string' ? (template as { Parameters?: Record<string, Props> }).Parameters?.[v.Ref] : undefined;
  return parameter?.Default === undefined ? undefined : resolvePort(template, parameter.Default);
}

/** A CIDR written literally, or the `CidrBlock` attribute of a VPC or subnet of the template. */
function resolveCidr(template: Template, value: unknown): Cidr | undefined {
  if (typeof value === 'string') return parseCidr(value);
  const att = (value as Props | undefined)?.['Fn::GetAtt'];
  if (Array.isArray(att) && att[1] === 'CidrBlock') {
    const block = template.Resources?.[String(att[0])]?.Properties?.CidrBlock;
    return typeof block === 'string' ? parseCidr(block) : undefined;
  }
  return undefined;
}

function peerOf(template: Template, rule: Props, direction: 'in' | 'out'): Peer {
  const cidr = rule.CidrIp;
  if (cidr !== undefined) {
    const parsed = resolveCidr(template, cidr);
    return parsed ? { kind: 'cidr', cidr: parsed } : { kind: 'unmodelled', what: JSON.stringify(cidr) };
  }
  const group = direction === 'in' ? rule.SourceSecurityGroupId : rule.DestinationSecurityGroupId;
  if (group !== undefined) {
    return { kind: 'group', id: referencedId(group) ?? (typeof group === 'string' ? group : JSON.stringify(group)) };
  }
  const other = rule.CidrIpv6 ?? rule.SourcePrefixListId ?? rule.DestinationPrefixListId ?? rule.SourceSecurityGroupName ?? 'no peer';
  return { kind: 'unmodelled', what: typeof other === 'string' ? other : JSON.stringify(other) };
}

function ruleOf(template: Template, group: string, direction: 'in' | 'out', rule: Props, origin: string): SgRule {
  const protocol = String(rule.IpProtocol);
  const all = protocol === '-1' || protocol === 'all';
  const from = all ? undefined : resolvePort(template, rule.FromPort);
  const to = all ? undefined : resolvePort(template, rule.ToPort);
  const text = (value: unknown, resolved: number | undefined) => (resolved === undefined ? JSON.stringify(value) : String(resolved));
  return {
    group,
    direction,
    protocol,
    from,
    to,
    ports: all ? 'all' : `${text(rule.FromPort, from)}-${text(rule.ToPort, to)}`,
    peer: peerOf(template, rule, direction),
    origin,
    description: typeof rule.Description === 'string' ? rule.Description : undefined,
  };
}

/**
 * Every security group of the template with the rules EC2 enforces for it: its inline rules, the
 * standalone `AWS::EC2::SecurityGroupIngress` / `Egress` resources naming it, and EC2's default
 * allow-all egress when it has no inline egress. CDK's placeholder is understood (it matches no
 * packet, and makes the egress inline).
 */
export function readSecurityGroups(template: Template): Map<string, SecurityGroupModel> {
  const groups = new Map<string, { model: SecurityGroupModel; ingress: SgRule[]; egress: SgRule[] }>();
  const resources = Object.entries(template.Resources ?? {});
  for (const [id, r] of resources.filter(([, x]) => x.Type === 'AWS::EC2::SecurityGroup')) {
    const p: Props = r.Properties ?? {};
    const inlineEgress: Props[] = p.SecurityGroupEgress ?? [];
    const ingress = (p.SecurityGroupIngress ?? []).map((rule: Props) => ruleOf(template, id, 'in', rule, 'inline'));
    const egress = inlineEgress.filter((rule) => !isPlaceholder(rule)).map((rule) => ruleOf(template, id, 'out', rule, 'inline'));
    const defaultEgress = inlineEgress.length === 0;
    if (defaultEgress) egress.push(ruleOf(template, id, 'out', { CidrIp: '0.0.0.0/0', IpProtocol: '-1' }, DEFAULT_EGRESS_ORIGIN));
    const model = { id, description: p.GroupDescription, ingress, egress, defaultEgress, placeholder: inlineEgress.some(isPlaceholder) };
    groups.set(id, { model, ingress, egress });
  }
  for (const [id, r] of resources) {
    const direction = r.Type === 'AWS::EC2::SecurityGroupIngress' ? 'in' : r.Type === 'AWS::EC2::SecurityGroupEgress' ? 'out' : undefined;
    const p: Props = r.Properties ?? {};
    const group = direction && groups.get(referencedId(p.GroupId) ?? '');
    if (!direction || !group) continue;
    (direction === 'in' ? group.ingress : group.egress).push(ruleOf(template, group.model.id, direction, p, id));
  }
  return new Map([...groups].map(([id, g]) => [id, g.model]));
}

/** `group in|out peer protocol ports`: the one-line form the construct's security-group tests use. */
export function renderRule(rule: SgRule): string {
  const peer = rule.peer.kind === 'cidr' ? rule.peer.cidr.text : rule.peer.kind === 'group' ? rule.peer.id : rule.peer.what;
  return `${rule.group} ${rule.direction} ${peer} ${rule.protocol} ${rule.ports}`;
}
