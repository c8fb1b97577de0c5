import { Cidr } from './addresses';
import { Peer, SgRule } from './security-groups';
import { Host, Topology } from './topology';

/** The nftables table the router's filters live in. */
export const FILTER_TABLE = 'slp_security_groups';

const setName = (index: number) => `sg${index}`;

/** The nft match of one rule's peer and protocol, or why it matches nothing. */
function match(rule: SgRule, direction: 'saddr' | 'daddr', sets: ReadonlyMap<string, number>): string | { none: string } {
  const peer = peerMatch(rule.peer, direction, sets);
  if (typeof peer !== 'string') return peer;
  const p = rule.protocol.toLowerCase();
  if (p === '-1' || p === 'all') return peer;
  const ranged = (from: number | undefined, to: number | undefined) => (from === undefined || to === undefined ? undefined : from === to ? `${from}` : `${from}-${to}`);
  if (p === 'tcp' || p === '6' || p === 'udp' || p === '17') {
    const ports = ranged(rule.from, rule.to);
    if (ports === undefined) return { none: `port ${rule.ports} is not resolvable` };
    return `${peer} ${p === 'tcp' || p === '6' ? 'tcp' : 'udp'} dport ${ports}`;
  }
  if (p === 'icmp' || p === '1') {
    if (rule.from === undefined) return { none: `ICMP type ${rule.ports} is not resolvable` };
    if (rule.from === -1) return `${peer} ip protocol icmp`;
    return `${peer} icmp type ${rule.from}${rule.to === undefined || rule.to === -1 ? '' : ` icmp code ${rule.to}`}`;
  }
  if (p === 'icmpv6' || p === '58') return { none: 'ICMPv6 (the replica is IPv4 only)' };
  return /^\d+$/.test(p) ? `${peer} ip protocol ${p}` : { none: `protocol ${rule.protocol} is unknown` };
}

function peerMatch(peer: Peer, direction: 'saddr' | 'daddr', sets: ReadonlyMap<string, number>): string | { none: string } {
  if (peer.kind === 'cidr') return `ip ${direction} ${cidrText(peer.cidr)}`;
  if (peer.kind === 'unmodelled') return { none: `peer ${peer.what} is not modelled (IPv4 CIDRs and security groups only)` };
  const set = sets.get(peer.id);
  return set === undefined ? { none: `no host carries ${peer.id}` } : `ip ${direction} @${setName(set)}`;
}

const cidrText = (c: Cidr) => (c.prefix === 32 ? c.text.replace(/\/32$/, '') : c.text);

/** Members of each group (the addresses of the hosts carrying it), numbered for set names. */
export function groupMembers(topology: Topology): Map<string, { index: number; members: string[] }> {
  const out = new Map<string, { index: number; members: string[] }>();
  for (const id of topology.groups.keys()) {
    out.set(id, { index: out.size + 1, members: topology.hosts.filter((h) => h.groups.includes(id)).map((h) => h.address) });
  }
  return out;
}

/** The chain that filters what one host's ENI sends (egress) or receives (ingress). */
function hostChain(topology: Topology, host: Host, direction: 'in' | 'out', sets: ReadonlyMap<string, number>): string[] {
  const lines = [`  chain ${host.name}_${direction === 'out' ? 'egress' : 'ingress'} {`];
  for (const id of host.groups) {
    const group = topology.groups.get(id);
    const rules = group ? (direction === 'out' ? group.egress : group.ingress) : [];
    lines.push(`    # ${id}${group ? '' : ': not in the template, no rules'}${group?.placeholder && direction === 'out' ? ": CDK's placeholder 255.255.255.255/32 icmp 252-86 (matches nothing)" : ''}`);
    for (const rule of rules) {
      const m = match(rule, direction === 'out' ? 'daddr' : 'saddr', sets);
      lines.push(typeof m === 'string' ? `    ${m} return  # ${rule.origin}` : `    # ${rule.origin}: matches nothing: ${m.none}`);
    }
  }
  lines.push('    counter drop', '  }');
  return lines;
}

/**
 * The router's filter: every packet entering or leaving a host's port is checked against the
 * security groups the host carries, as EC2 does at each ENI. Stateful: packets of a connection a
 * rule admitted (and related ICMP) pass both ways; anything else no rule admits is dropped
 * silently, so a blocked connect times out.
 */
export function routerRuleset(topology: Topology): string {
  const members = groupMembers(topology);
  const sets = new Map([...members].map(([id, m]) => [id, m.index]));
  const lines = [`table inet ${FILTER_TABLE} {`];
  for (const [id, m] of members) {
    lines.push(`  set ${setName(m.index)} {  # ${id}`, '    type ipv4_addr;', ...(m.members.length ? [`    elements = { ${m.members.join(', ')} }`] : []), '  }');
  }
  const filtered = topology.hosts.filter((h) => h.groups.length > 0);
  lines.push('  chain forward {', '    type filter hook forward priority filter; policy accept;', '    ct state established,related accept');
  for (const h of filtered) lines.push(`    iifname "${h.name}" jump ${h.name}_egress`, `    oifname "${h.name}" jump ${h.name}_ingress`);
  lines.push('  }');
  for (const h of filtered) lines.push(...hostChain(topology, h, 'out', sets), ...hostChain(topology, h, 'in', sets));
  lines.push('}', '');
  return lines.join('\n');
}

/** A forwarding host (NAT, edge): what it passes on leaves with its own address, as a NAT gateway's does. */
export function masqueradeRuleset(host: Host): string {
  return [
    'table ip slp_nat {',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    ip saddr != ${host.address} masquerade`,
    '  }',
    '}',
    '',
  ].join('\n');
}
