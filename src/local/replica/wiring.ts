import { masqueradeRuleset, routerRuleset } from './nft';
import { RouteInfo } from './template-network';
import { Host, HOST, Topology } from './topology';
import { NamespacePlan } from '../platform/netns';

/** The router's port to the internet namespace. */
export const INTERNET_PORT = 'inet';

const FORWARDING = ['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.default.send_redirects=0'];
const OUTSIDE_TABLE = 90;
const EDGE_TABLE = 91;

/** Namespace names of a run: `<prefix>-router`, `<prefix>-internet`, `<prefix>-<host>`. */
export function namespaceOf(prefix: string, host: string): string {
  return `${prefix}-${host}`;
}

/**
 * The namespaces of the replica and how each is wired: every host has one veth to the router,
 * whose policy routing gives each port the route table of its host's subnet (the local route to
 * every host, then the template's routes; no route: dropped silently, as in a VPC).
 */
export function wiringPlan(topology: Topology, prefix: string): NamespacePlan[] {
  const { hosts, outside, routeTables, vpcCidrs } = topology;
  const tableIds = new Map([...new Set(hosts.map((h) => h.subnet.routeTable ?? ''))].map((id, i) => [id, 100 + i]));
  const byName = new Map(hosts.map((h) => [h.name, h]));
  const natOf = (id: string) => hosts.find((h) => h.resource === id);
  const local = (table: number) => [
    ...hosts.map((h) => `route add ${h.address}/32 dev ${h.name} table ${table}`),
    ...vpcCidrs.map((c) => `route add blackhole ${c.text} table ${table}`),
  ];
  const targetOf = (r: RouteInfo): string => {
    const nat = r.target.kind === 'nat' ? natOf(r.target.id) : undefined;
    if (r.target.kind === 'internet-gateway') return `via ${outside.client} dev ${INTERNET_PORT} onlink`;
    return nat ? `via ${nat.address} dev ${nat.name} onlink` : 'blackhole';
  };
  const router: string[] = ['link set lo up'];
  for (const h of hosts) {
    router.push(`link add ${h.name} type veth peer name eth0 netns ${namespaceOf(prefix, h.name)}`, `addr add ${h.gateway}/32 dev ${h.name}`, `link set ${h.name} up`);
  }
  router.push(`link add ${INTERNET_PORT} type veth peer name eth0 netns ${namespaceOf(prefix, 'internet')}`,
    `addr add ${outside.gateway}/${outside.network.prefix} dev ${INTERNET_PORT}`, `link set ${INTERNET_PORT} up`);
  for (const [routeTable, table] of tableIds) {
    const routes = routeTables.get(routeTable) ?? [];
    router.push(...local(table));
    for (const r of routes) router.push(targetOf(r) === 'blackhole' ? `route add blackhole ${r.destination.text} table ${table}` : `route add ${r.destination.text} ${targetOf(r)} table ${table}`);
    if (!routes.some((r) => r.destination.prefix === 0)) router.push(`route add blackhole default table ${table}`);
  }
  for (const h of hosts) router.push(`rule add iif ${h.name} lookup ${tableIds.get(h.subnet.routeTable ?? '')} priority 1000`);
  // From outside, packets reach any VPC address (see docs/isolated-replica.md: what `internet` stands for).
  router.push(...local(OUTSIDE_TABLE), `route add blackhole default table ${OUTSIDE_TABLE}`, `rule add iif ${INTERNET_PORT} lookup ${OUTSIDE_TABLE} priority 1000`);
  const edge = byName.get(HOST.EDGE);
  if (edge) {
    router.push(`route add default via ${edge.address} dev ${edge.name} onlink table ${EDGE_TABLE}`,
      `rule add iif ${INTERNET_PORT} from ${outside.viaEdge} lookup ${EDGE_TABLE} priority 900`);
  }
  const plans: NamespacePlan[] = [{
    name: namespaceOf(prefix, 'router'),
    sysctls: [...FORWARDING, 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0'],
    ip: router,
    nft: routerRuleset(topology),
  }];
  for (const h of hosts) plans.push(hostPlan(prefix, h, routeTables.get(h.subnet.routeTable ?? '') ?? [], vpcCidrs.map((c) => c.text)));
  const internet = [outside.client, outside.viaEdge, outside.web, outside.secretsManager, outside.api];
  plans.push({
    name: namespaceOf(prefix, 'internet'),
    sysctls: [],
    ip: ['link set lo up', ...internet.map((a) => `addr add ${a}/${outside.network.prefix} dev eth0`), 'link set eth0 up', `route add default via ${outside.gateway} dev eth0`],
  });
  return plans;
}

/** A host's own routes: its subnet's destinations, all through the VPC router (no default route when the table has none). */
function hostPlan(prefix: string, h: Host, routes: readonly RouteInfo[], vpcCidrs: readonly string[]): NamespacePlan {
  const destinations = [...new Set([...vpcCidrs, ...routes.map((r) => (r.destination.prefix === 0 ? 'default' : r.destination.text))])];
  return {
    name: namespaceOf(prefix, h.name),
    sysctls: h.forwards ? FORWARDING : [],
    ip: [
      'link set lo up',
      `addr add ${h.address}/32 dev eth0`,
      'link set eth0 up',
      `route add ${h.gateway} dev eth0 scope link`,
      ...destinations.map((d) => `route add ${d} via ${h.gateway} dev eth0`),
    ],
    nft: h.forwards ? masqueradeRuleset(h) : undefined,
  };
}
