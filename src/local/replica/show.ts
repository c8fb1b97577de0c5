import { routerRuleset } from './nft';
import { DEFAULT_EGRESS_ORIGIN, SgRule } from './security-groups';
import { RouteInfo } from './template-network';
import { Topology } from './topology';

function routeText(topology: Topology, r: RouteInfo): string {
  if (r.target.kind === 'internet-gateway') return `${r.destination.text} → internet gateway ${r.target.id}`;
  if (r.target.kind === 'unmodelled') return `${r.destination.text} → ${r.target.what} (not modelled: dropped)`;
  const id = r.target.id;
  const nat = topology.hosts.find((h) => h.resource === id);
  return `${r.destination.text} → ${id}${nat ? ` (${nat.name} ${nat.address})` : ' (not in the replica: dropped)'}`;
}

function ruleText(topology: Topology, rule: SgRule): string {
  const peer = rule.peer.kind === 'cidr' ? rule.peer.cidr.text
    : rule.peer.kind === 'group' ? `${rule.peer.id} (${topology.hosts.filter((h) => h.groups.includes((rule.peer as { id: string }).id)).map((h) => h.name).join(', ') || 'no host'})`
      : `${rule.peer.what} (not modelled)`;
  const what = rule.protocol === '-1' ? 'all traffic' : `${rule.protocol} ${rule.ports}`;
  return `    ${rule.direction === 'in' ? 'in  from' : 'out to  '} ${peer}: ${what}   [${rule.origin}]`;
}

/** Groups that keep EC2's default egress and are carried by a host: what may reach anything. */
export function openEgressFindings(topology: Topology): string[] {
  return [...topology.groups.values()]
    .filter((g) => g.defaultEgress)
    .map((g) => ({ g, carriers: topology.hosts.filter((h) => h.groups.includes(g.id)).map((h) => h.name) }))
    .filter(({ carriers }) => carriers.length > 0)
    .map(({ g, carriers }) => `${g.id} (${carriers.join(', ')}) has no inline egress: EC2 keeps its default rule, so ${carriers.join(' and ')} may send anything anywhere, the internet included`);
}

/** `--show-rules`: the replica's hosts and routes, every group's rules as EC2 enforces them, and the router's filter. */
export function showRules(topology: Topology): string[] {
  const lines = [`replica of ${topology.backend}: VPC ${topology.vpcCidrs.map((c) => c.text).join(', ')}; each ENI in a network namespace of its own, on a port of the VPC router`];
  lines.push(`  ${'tier'.padEnd(12)} ${'host'.padEnd(8)} ${'address'.padEnd(14)} ${'subnet'.padEnd(34)} routes besides the local one`);
  for (const h of topology.hosts) {
    const routes = topology.routeTables.get(h.subnet.routeTable ?? '') ?? [];
    const subnet = `${h.subnet.cidr.text} ${h.subnet.group ?? ''}`.trim();
    lines.push(`  ${h.tier.padEnd(12)} ${h.name.padEnd(8)} ${h.address.padEnd(14)} ${subnet.padEnd(34)} ${routes.map((r) => routeText(topology, r)).join('; ') || 'none (isolated)'}`);
    lines.push(`  ${''.padEnd(12)} ${''.padEnd(8)} ${''.padEnd(14)} ${h.role}${h.groups.length ? `; groups ${h.groups.join(', ')}` : ''}`);
  }
  const o = topology.outside;
  lines.push(`  ${'internet'.padEnd(12)} ${'internet'.padEnd(8)} ${o.network.text}: client ${o.client}, client via the public subnet ${o.viaEdge}, web server ${o.web}, Secrets Manager ${o.secretsManager}`);
  lines.push('', 'security groups, as EC2 enforces them (stateful; no inline egress: the default allow-all egress stays, standalone egress rules only add):');
  for (const g of topology.groups.values()) {
    const carriers = topology.hosts.filter((h) => h.groups.includes(g.id)).map((h) => `${h.name} ${h.address}`);
    lines.push(`  ${g.id}${g.description ? ` "${g.description}"` : ''}: ${carriers.length ? `carried by ${carriers.join(', ')}` : 'no host of the replica carries it'}`);
    if (g.ingress.length === 0) lines.push('    in   none');
    lines.push(...g.ingress.map((r) => ruleText(topology, r)));
    if (g.placeholder) lines.push("    out  CDK's placeholder 255.255.255.255/32 icmp 252-86: matches no packet (it makes the egress inline)");
    lines.push(...g.egress.map((r) => ruleText(topology, r)));
    if (g.egress.some((r) => r.origin === DEFAULT_EGRESS_ORIGIN)) lines.push('    (no inline egress: EC2 keeps its default rule, all traffic to 0.0.0.0/0)');
  }
  const findings = openEgressFindings(topology);
  if (findings.length) lines.push('', 'findings:', ...findings.map((f) => `  ${f}`));
  if (topology.notes.length) lines.push('', 'notes:', ...topology.notes.map((n) => `  ${n}`));
  lines.push('', 'the router\'s filter (nftables), each host\'s port checked against the groups it carries:', ...routerRuleset(topology).trimEnd().split('\n').map((l) => `  ${l}`));
  return lines;
}
