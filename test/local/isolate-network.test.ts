// The replica's network for real (Linux, root): namespaces wired from the example template,
// listeners placed on its hosts, connects from the others. A dropped SYN must time out and a
// closed port or a reject must be refused; the host's own network is never touched.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { synthApp, tempDir } from './helpers';
import { isolationSkip, routerOf } from './isolate-helpers';
import { discoverBackends } from '../../src/local/assembly/discover';
import { NETNS_DIR } from '../../src/local/platform/placement';
import { ConnectResult, probeFrom } from '../../src/local/platform/probe';
import { RunRegistry } from '../../src/local/platform/registry';
import { Supervisor } from '../../src/local/platform/supervisor';
import { buildReplica, Replica } from '../../src/local/replica/replica';
import { buildTopology } from '../../src/local/replica/topology';
import { ensureBundle } from '../harness/bundle';

jest.setTimeout(60_000);

const hostNetwork = () => ['ip link', 'ip -4 addr', 'ip route show table all', 'ip rule', 'nft list ruleset']
  .map((cmd) => execFileSync(cmd.split(' ')[0], cmd.split(' ').slice(1), { encoding: 'utf8' })).join('\n');

(isolationSkip ? describe.skip : describe)(`the replica's network${isolationSkip ? ` (skipped: ${isolationSkip})` : ''}`, () => {
  let dir: string;
  let supervisor: Supervisor;
  let replica: Replica;
  let before: string;
  const ours = () => fs.readdirSync(NETNS_DIR).filter((n) => n.startsWith(routerOf(replica).replace(/router$/, '')));

  beforeAll(() => {
    ensureBundle();
    dir = tempDir('isolate-network');
    const spec = discoverBackends(synthApp(path.join(dir, 'cdk.out')))[0];
    before = hostNetwork();
    supervisor = new Supervisor(new RunRegistry(path.join(dir, 'runs')));
    replica = buildReplica(buildTopology(spec), spec, supervisor);
    // One listener per server the stack places, on the port it would use.
    for (const [name, port] of [['db', 5432], ['proxy', 5432]] as const) {
      const at = replica.placement(name)!;
      supervisor.spawn(`listener ${name}`, at, process.execPath, ['-e', `require('net').createServer((s) => s.end()).listen(${port}, '${at.host}'); setTimeout(() => {}, 60000)`]);
    }
  });
  afterAll(async () => {
    await supervisor?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const connect = async (from: string, host: string, port: number, source?: string) => {
    const at = from === 'internet' ? replica.internet : replica.placement(from)!;
    for (let i = 0; i < 50; i++) {
      const [r] = await probeFrom<ConnectResult[]>(at, { kind: 'connect', targets: [{ host, port, from: source }], timeoutMs: 1500 });
      // The listeners may still be starting: a refused connect to them is retried.
      if (r.outcome !== 'refused' || port !== 5432 || from === 'internet') return r.outcome;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return 'refused';
  };

  test('the security groups let the function reach the proxy, the proxy the database, and nothing else through', async () => {
    const db = replica.placement('db')!.host;
    const proxy = replica.placement('proxy')!.host;
    expect(await connect('fn', proxy, 5432)).toBe('connected');
    expect(await connect('proxy', db, 5432)).toBe('connected');
    expect(await connect('fn', db, 5432)).toBe('timeout');
    expect(await connect('internet', db, 5432)).toBe('timeout');
    expect(await connect('internet', proxy, 5432, replica.topology.outside.viaEdge)).toBe('timeout');
  });

  test('a dropped SYN times out; a closed port, or a reject, is refused', async () => {
    const api = replica.placement('api')!.host;
    const db = replica.placement('db')!.host;
    // The API's host carries no security group and nothing listens on port 9 there: refused.
    expect(await connect('internet', api, 9)).toBe('refused');
    const nft = (...args: string[]) => execFileSync('nsenter', [`--net=${NETNS_DIR}/${routerOf(replica)}`, '--', 'nft', ...args], { encoding: 'utf8' });
    nft('insert', 'rule', 'inet', 'slp_security_groups', 'db_ingress', 'tcp', 'dport', '5432', 'reject', 'with', 'tcp', 'reset', 'comment', '"test reject"');
    try {
      expect(await connect('internet', db, 5432)).toBe('refused');
    } finally {
      const handle = /test reject" # handle (\d+)/.exec(nft('-a', 'list', 'chain', 'inet', 'slp_security_groups', 'db_ingress'))![1];
      nft('delete', 'rule', 'inet', 'slp_security_groups', 'db_ingress', 'handle', handle);
    }
    expect(await connect('internet', db, 5432)).toBe('timeout');
  });

  test('the host\'s own links, addresses, routes, rules and firewall are untouched; stopping removes every namespace', async () => {
    expect(ours().length).toBe(replica.topology.hosts.length + 2);
    expect(hostNetwork()).toBe(before);
    await supervisor.stop();
    expect(ours()).toEqual([]);
    expect(hostNetwork()).toBe(before);
  });
});
