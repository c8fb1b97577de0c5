import { Replica, WEB_PORT } from './replica';
import { HOST } from './topology';
import { Placement } from '../platform/placement';
import { ConnectResult, ConnectTarget, probeFrom } from '../platform/probe';
import { RunningBackend } from '../stack/backend';
import { Check, Result } from '../stack/checks';

/** How long test case 2 waits for an answer before it calls a connect timed out. */
export const OUTSIDE_TIMEOUT_MS = 3000;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function describe(r: ConnectResult): string {
  if (r.outcome === 'timeout') return `timed out after ${seconds(r.ms)}`;
  if (r.outcome === 'connected') return `CONNECTED in ${r.ms} ms${r.said ? ` (the server saw ${r.said})` : ''}`;
  if (r.outcome === 'refused') return `refused in ${r.ms} ms (something answered: not a silent drop)`;
  return `${r.code ?? r.outcome} in ${r.ms} ms${r.outcome === 'unreachable' ? ' (no route)' : ''}`;
}

async function connects(from: Placement, targets: Array<ConnectTarget & { label: string }>): Promise<Array<ConnectResult & { label: string }>> {
  const results = await probeFrom<ConnectResult[]>(from, { kind: 'connect', targets, timeoutMs: OUTSIDE_TIMEOUT_MS });
  return results.map((r, i) => ({ ...r, label: targets[i].label }));
}

/** Passes when no connect got through: each timed out (or, where `noRouteIsFine`, found no route). */
function blocked(results: Array<ConnectResult & { label: string }>, noRouteIsFine: boolean): Result {
  const ok = results.every((r) => r.outcome === 'timeout' || (noRouteIsFine && r.outcome === 'unreachable'));
  return { ok, detail: results.map((r) => `${r.label}: ${describe(r)}`).join('; ') };
}

/**
 * The seed's test case 2 and the isolation the security groups and route tables promise, each
 * tried for real from the host it is about.
 */
export function isolationChecks(replica: Replica, b: RunningBackend): Check[] {
  const { outside } = replica.topology;
  const db = { host: b.database.host, port: b.database.port };
  const proxy = b.proxy ? { host: b.proxy.host, port: b.proxy.port } : undefined;
  const web = { host: outside.web, port: WEB_PORT, readMs: 500 };
  const nat = replica.topology.hosts.find((h) => h.name.startsWith('nat'));
  const from = (name: string) => replica.placement(name)!;
  const edge = replica.host(HOST.EDGE) !== undefined;
  const targets = [{ name: 'database', ...db }, ...(proxy ? [{ name: 'proxy', ...proxy }] : [])];
  const checks: Check[] = [
    {
      name: `test case 2: from the internet, ${targets.map((t) => `${t.name} ${t.host}:${t.port}`).join(' and ')} time out (${seconds(OUTSIDE_TIMEOUT_MS)})`,
      run: async () => blocked(await connects(replica.internet, targets.flatMap((t) => [
        { ...t, label: `${t.name} direct` },
        ...(edge ? [{ ...t, from: outside.viaEdge, label: `${t.name} via the public subnet` }] : []),
      ])), false),
    },
    {
      name: 'the function cannot reach the database directly (only through the proxy)',
      run: async () => blocked(await connects(from(HOST.FUNCTION), [{ ...db, label: `function → database ${db.host}:${db.port}` }]), true),
    },
    {
      name: 'the database has no way out to the internet',
      run: async () => blocked(await connects(from(HOST.DATABASE), [{ ...web, label: `database → ${web.host}:${web.port}` }]), true),
    },
    {
      name: nat ? `the function reaches the internet only through the NAT (${nat.address})` : 'the function has no way to the internet (no NAT in the template)',
      run: async () => {
        const [r] = await connects(from(HOST.FUNCTION), [{ ...web, label: `function → ${web.host}:${web.port}` }]);
        const ok = nat ? r.outcome === 'connected' && r.said === nat.address : r.outcome !== 'connected';
        return { ok, detail: `${r.label}: ${describe(r)}` };
      },
    },
  ];
  if (proxy) {
    checks.push({
      name: 'the proxy has no way out to the internet',
      run: async () => blocked(await connects(from(HOST.PROXY), [{ ...web, label: `proxy → ${web.host}:${web.port}` }]), true),
    });
  }
  if (proxy && replica.host(HOST.BASTION)) {
    checks.push({
      name: `the bastion reaches the proxy on ${proxy.port}`,
      run: async () => {
        const [r] = await connects(from(HOST.BASTION), [{ ...proxy, label: `bastion → proxy ${proxy.host}:${proxy.port}` }]);
        return { ok: r.outcome === 'connected', detail: `${r.label}: ${describe(r)}` };
      },
    });
  }
  return checks;
}
