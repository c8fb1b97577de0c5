import * as path from 'path';
import { choice } from './args';
import { stackOptions } from './options';
import { UsageError } from '../../io';
import { discoverBackends } from '../assembly/discover';
import { loopback } from '../platform/placement';
import { Supervisor } from '../platform/supervisor';
import { isolationChecks } from '../replica/checks';
import { isolationUnavailable } from '../replica/preflight';
import { buildReplica, Replica, WEB_PORT } from '../replica/replica';
import { openEgressFindings, showRules } from '../replica/show';
import { buildTopology } from '../replica/topology';
import { CheckGroup, contractChecks, httpFrom, pinningCheck, runChecks, table } from '../stack/checks';
import { faultChecks } from '../stack/faults';
import { firstHealth, Say, startAndDescribe } from '../stack/startup';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * `local verify`: boot the stack, run the checks against every backend, print a table ending in
 * `N passed, N failed`, stop everything; exit 1 when a check failed. With `--isolate`, the stack
 * runs in a replica of the template's VPC (Linux, root) and the isolation checks run too;
 * `--faults` then freezes and stops the proxy's and the database's servers and rotates the
 * function's password; `--show-rules` prints the replica's compiled rules (alone, without
 * starting anything).
 */
export async function verify(argv: readonly string[], say: Say): Promise<number> {
  const started = performance.now();
  const { stack: options, parsed } = stackOptions('local verify', argv, { 'isolate': 'flag', 'faults': 'flag', 'show-rules': 'flag', 'pinning': 'string' }, 0);
  const pinning = choice('local verify', 'pinning', parsed.pinning, ['warn', 'fail'] as const, 'warn');
  if (options.clerk === 'template') {
    throw new UsageError('local verify: --clerk template cannot be verified here: the checks sign session tokens with the local key; use `local serve --clerk template` and your app');
  }
  const isolate = parsed.isolate === true;
  const unavailable = isolate ? isolationUnavailable() : undefined;
  if (unavailable) throw new UsageError(unavailable);
  if (isolate && options.proxy === 'none') {
    throw new UsageError('--isolate runs the proxy where the template puts RDS Proxy (the function\'s group admits nothing else): drop --proxy none');
  }
  const specs = isolate || parsed['show-rules'] ? discoverBackends(path.resolve(options.assembly), options.stack) : [];
  if (isolate && specs.length !== 1) {
    throw new UsageError(`--isolate replicates one backend's VPC, and the assembly has ${specs.length} (${specs.map((s) => s.name).join(', ')}): pass --stack to choose one`);
  }
  const topologies = specs.map(buildTopology);
  if (parsed['show-rules']) topologies.forEach((t) => showRules(t).forEach((line) => say(line)));
  if (parsed['show-rules'] && !isolate) return 0;

  const supervisor = new Supervisor();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void supervisor.stop().finally(() => process.exit(130)));
  }
  let replica: Replica | undefined;
  if (isolate) {
    const recovered = supervisor.recoverAbandoned();
    if (recovered) say(recovered);
    try {
      const built = performance.now();
      replica = buildReplica(topologies[0], specs[0], supervisor);
      const web = replica.topology.outside.web;
      await supervisor.startComponent('echo', 'internet web server', { ...replica.internet, host: web }, { host: web, port: WEB_PORT });
      for (const finding of openEgressFindings(replica.topology)) say(`finding: ${finding}`);
      say(`replica: ${replica.topology.hosts.length + 2} network namespaces (router, internet, ${replica.topology.hosts.map((h) => h.name).join(', ')}) in ${seconds(performance.now() - built)}; packet filters from ${replica.topology.groups.size} security groups (--show-rules lists them)`);
    } catch (err) {
      await supervisor.stop();
      throw err;
    }
  }
  // Isolated, PgBouncer is required: without it the function would connect to the instance.
  const stack = await startAndDescribe({ ...options, proxy: isolate ? 'pgbouncer' : options.proxy, network: replica?.network }, supervisor, say);
  const http = httpFrom(replica?.internet ?? loopback('internet'));
  let passed = 0;
  let failed = 0;
  try {
    const health = await firstHealth(stack.backends[0].apiUrl, http);
    say(`ready in ${health.seconds.toFixed(2)} s (first /health answered ${health.status})`);
    // The function's log lines go to the terminal while the checks run; the table comes after.
    const lines: string[] = [];
    for (const b of stack.backends) {
      // Pinning is judged once the contract's requests have run.
      const groups: CheckGroup[] = [{ checks: [...contractChecks(b, http), pinningCheck(b, pinning)], sequential: true }];
      if (replica) groups.push({ checks: isolationChecks(replica, b), sequential: false });
      // Faults come after the rest, alone: they stop what the other checks need.
      const rows = await runChecks(groups);
      const proxyClient = replica?.network.placements.function ?? loopback('application');
      if (parsed.faults) rows.push(...await runChecks([{ checks: faultChecks(b, stack, http, proxyClient), sequential: true }]));
      lines.push(...table(b.spec.name, rows));
      passed += rows.filter((r) => r.result.ok).length;
      failed += rows.filter((r) => !r.result.ok).length;
    }
    await supervisor.stop();
    lines.forEach((line) => say(line));
  } finally {
    await supervisor.stop();
  }
  if (replica) say(`isolated run: ${seconds(performance.now() - started)} wall time; every namespace removed`);
  say(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}
