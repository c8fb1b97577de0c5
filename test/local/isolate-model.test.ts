// The isolated replica's model, compiled from synthesized templates: hosts, addresses and route
// tables from the VPC, and security-group rules with EC2's semantics, which must agree with the
// construct tests' own model of EC2 (test/util.ts) on every configuration.
import * as fs from 'fs';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { tempDir } from './helpers';
import { Egress, SecureLambdaPostgres, SecureLambdaPostgresProps } from '../../src';
import { discoverBackends } from '../../src/local/assembly/discover';
import { BackendSpec } from '../../src/local/assembly/model';
import { ownerOf, runPrefix } from '../../src/local/platform/netns';
import { routerRuleset } from '../../src/local/replica/nft';
import { isolationUnavailable } from '../../src/local/replica/preflight';
import { readSecurityGroups, renderRule } from '../../src/local/replica/security-groups';
import { openEgressFindings, showRules } from '../../src/local/replica/show';
import { buildTopology, Topology } from '../../src/local/replica/topology';
import { wiringPlan } from '../../src/local/replica/wiring';
import { CLERK_PEM, ENV, existingVpc, securityGroupRules } from '../util';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Synthesize a stack with one backend into a temp dir and read it back as `local` does. */
function specFor(configure: (stack: Stack) => SecureLambdaPostgresProps = () => ({})): BackendSpec {
  const dir = tempDir('isolate-model');
  dirs.push(dir);
  const app = new App({ outdir: dir });
  const stack = new Stack(app, 'Model', { env: ENV });
  new SecureLambdaPostgres(stack, 'Backend', { clerkJwtKey: CLERK_PEM, ...configure(stack) });
  app.synth();
  return discoverBackends(dir)[0];
}

/** The same backend with its template changed. */
function mutated(spec: BackendSpec, change: (resources: Record<string, any>) => void): BackendSpec {
  const template = JSON.parse(JSON.stringify(spec.stack.template));
  change(template.Resources);
  return { ...spec, stack: { ...spec.stack, template } };
}

const idOf = (spec: BackendSpec, type: string, pattern: RegExp) =>
  Object.entries<any>(spec.stack.template.Resources ?? {}).find(([id, r]) => r.Type === type && pattern.test(id))![0];

const compiledRules = (spec: BackendSpec) => [...readSecurityGroups(spec.stack.template).values()]
  .flatMap((g) => [...g.ingress, ...g.egress]).map(renderRule).sort();

const hostTable = (t: Topology) => t.hosts.map((h) => `${h.tier} ${h.name} ${h.address} via ${h.gateway}`);

let defaults: BackendSpec;
beforeAll(() => {
  defaults = specFor();
});

describe('security groups, compiled with EC2 semantics', () => {
  test.each<[string, (stack: Stack) => SecureLambdaPostgresProps]>([
    ['defaults', () => ({})],
    ['every option on', () => ({ vpcEndpoints: true, bastion: true })],
    ['bring-your-own VPC', (s) => ({ vpc: existingVpc(s), bastion: true, vpcEndpoints: true })],
    ['no NAT', () => ({ natGateways: 0, vpcEndpoints: true, bastion: true })],
    ['NAT instances', () => ({ egress: Egress.natInstances() })],
  ])('agree with the construct tests\' model of EC2 (%s)', (_name, configure) => {
    const spec = _name === 'defaults' ? defaults : specFor(configure);
    expect(compiledRules(spec)).toEqual(securityGroupRules(Template.fromJSON(spec.stack.template)));
  });

  test('a group without inline egress keeps EC2\'s allow-all egress; a standalone egress only adds', () => {
    const proxyGroup = idOf(defaults, 'AWS::EC2::SecurityGroup', /ProxySecurityGroup/);
    const spec = mutated(defaults, (r) => delete r[proxyGroup].Properties.SecurityGroupEgress);
    const proxy = readSecurityGroups(spec.stack.template).get(proxyGroup)!;
    expect(proxy.defaultEgress).toBe(true);
    expect(proxy.egress.map(renderRule)).toEqual([`${proxyGroup} out 0.0.0.0/0 -1 all`, expect.stringMatching(/ out BackendDatabaseDatabaseSecurityGroup\w+ tcp 5432-5432$/)]);
    expect(openEgressFindings(buildTopology(spec))).toEqual([expect.stringMatching(new RegExp(`^${proxyGroup} \\(proxy\\) has no inline egress: .* proxy may send anything anywhere`))]);
    // With its placeholder, the same group may send only what its rules allow.
    expect(readSecurityGroups(defaults.stack.template).get(proxyGroup)).toMatchObject({ defaultEgress: false, placeholder: true });
    expect(openEgressFindings(buildTopology(defaults))).toEqual([]);
  });

  test('ports given as tokens resolve: the instance\'s Endpoint.Port, a parameter\'s default; anything else matches nothing', () => {
    const dbGroup = idOf(defaults, 'AWS::EC2::SecurityGroup', /DatabaseSecurityGroup/);
    const instance = idOf(defaults, 'AWS::RDS::DBInstance', /Instance/);
    const spec = mutated(defaults, (r) => {
      r[instance].Properties.Port = '6543';
      r[dbGroup].Properties.SecurityGroupIngress = [
        { IpProtocol: 'tcp', CidrIp: '10.9.0.0/16', FromPort: { 'Fn::GetAtt': [instance, 'Endpoint.Port'] }, ToPort: { 'Fn::GetAtt': [instance, 'Endpoint.Port'] } },
        { IpProtocol: 'tcp', CidrIp: '10.8.0.0/16', FromPort: { Ref: 'AdminPort' }, ToPort: { Ref: 'AdminPort' } },
        { IpProtocol: 'tcp', CidrIp: '10.7.0.0/16', FromPort: { 'Fn::ImportValue': 'Port' }, ToPort: { 'Fn::ImportValue': 'Port' } },
      ];
    });
    (spec.stack.template as any).Parameters.AdminPort = { Type: 'Number', Default: '7000' };
    const ruleset = routerRuleset(buildTopology(spec));
    expect(ruleset).toContain('ip saddr 10.9.0.0/16 tcp dport 6543 return  # inline');
    expect(ruleset).toContain('ip saddr 10.8.0.0/16 tcp dport 7000 return  # inline');
    expect(ruleset).toMatch(/# inline: matches nothing: port \{"Fn::ImportValue":"Port"\}-\{"Fn::ImportValue":"Port"\} is not resolvable/);
  });

  test('the router filters each host\'s port by the groups it carries: peers by membership, CIDRs, stateful, silent drops', () => {
    const ruleset = routerRuleset(buildTopology(defaults));
    const sets = /set (sg\d+) \{ {2}# (\w+)\n\s+type ipv4_addr;\n\s+elements = \{ ([\d., ]+) \}/g;
    const members = Object.fromEntries([...ruleset.matchAll(sets)].map((m) => [m[2].replace(/[0-9A-F]{8}$/, ''), { set: m[1], elements: m[3] }]));
    expect(members).toMatchObject({
      BackendFunctionSecurityGroup: { elements: '10.0.4.10' },
      BackendDatabaseProxySecurityGroup: { elements: '10.0.4.11' },
      BackendDatabaseDatabaseSecurityGroup: { elements: '10.0.12.10' },
    });
    expect(ruleset).toContain('ct state established,related accept');
    const chain = (name: string) => new RegExp(`chain ${name} \\{([^}]*)\\}`).exec(ruleset)![1];
    expect(chain('fn_egress')).toMatch(new RegExp(`ip daddr 0\\.0\\.0\\.0/0 tcp dport 443 return[^\\n]*\\n\\s+ip daddr @${members.BackendDatabaseProxySecurityGroup.set} tcp dport 5432 return[^\\n]*\\n\\s+counter drop`));
    expect(chain('db_ingress')).toMatch(new RegExp(`ip saddr @${members.BackendDatabaseProxySecurityGroup.set} tcp dport 5432 return`));
    expect(chain('db_egress').trim().split('\n').pop()!.trim()).toBe('counter drop');
    expect(ruleset).not.toMatch(/reject/);
  });
});

describe('the topology follows the template\'s VPC', () => {
  test('defaults: one host per ENI in its tier, addresses from the subnets\' CIDRs, the VPC router at each subnet\'s first address', () => {
    const t = buildTopology(defaults);
    expect(hostTable(t)).toEqual([
      'application fn 10.0.4.10 via 10.0.4.1',
      'application proxy 10.0.4.11 via 10.0.4.1',
      'database db 10.0.12.10 via 10.0.12.1',
      'application migrate 10.0.4.12 via 10.0.4.1',
      'public nat 10.0.0.10 via 10.0.0.1',
      'public api 10.0.0.11 via 10.0.0.1',
      'public edge 10.0.0.12 via 10.0.0.1',
    ]);
    expect(t.vpcCidrs.map((c) => c.text)).toEqual(['10.0.0.0/16']);
    expect(t.outside).toMatchObject({ client: '203.0.113.10', viaEdge: '203.0.113.11', web: '203.0.113.20', secretsManager: '203.0.113.30' });
  });

  test('routes: the isolated tier has none besides the local one; the application tier reaches the internet only through the NAT', () => {
    const plan = wiringPlan(buildTopology(defaults), 'slp-test');
    const ns = (name: string) => plan.find((p) => p.name === `slp-test-${name}`)!;
    expect(ns('db').ip.filter((l) => l.startsWith('route'))).toEqual(['route add 10.0.12.1 dev eth0 scope link', 'route add 10.0.0.0/16 via 10.0.12.1 dev eth0']);
    expect(ns('fn').ip).toContain('route add default via 10.0.4.1 dev eth0');
    const router = ns('router').ip;
    const tableOf = (port: string) => /lookup (\d+)/.exec(router.find((l) => l.startsWith(`rule add iif ${port} `))!)![1];
    const table = (port: string) => router.filter((l) => l.endsWith(` table ${tableOf(port)}`) && !/\/32 dev /.test(l));
    expect(table('db')).toEqual([`route add blackhole 10.0.0.0/16 table ${tableOf('db')}`, `route add blackhole default table ${tableOf('db')}`]);
    expect(table('fn')).toContain(`route add 0.0.0.0/0 via 10.0.0.10 dev nat onlink table ${tableOf('fn')}`);
    expect(table('nat')).toContain(`route add 0.0.0.0/0 via 203.0.113.10 dev inet onlink table ${tableOf('nat')}`);
    expect(ns('nat').nft).toContain('ip saddr != 10.0.0.10 masquerade');
    expect(ns('db').nft).toBeUndefined();
  });

  test('every option on: the migration function, the bastion and the Secrets Manager endpoint are hosts carrying their groups', () => {
    const spec = specFor(() => ({ vpcEndpoints: true, bastion: true }));
    const t = buildTopology(spec);
    const host = (name: string) => t.hosts.find((h) => h.name === name)!;
    expect(host('migrate').groups).toEqual([idOf(spec, 'AWS::EC2::SecurityGroup', /MigrationSecurityGroup/)]);
    expect(host('bastion').groups).toEqual([idOf(spec, 'AWS::EC2::SecurityGroup', /BastionSecurityGroup/)]);
    expect(host('sm').groups).toEqual([idOf(spec, 'AWS::EC2::SecurityGroup', /EndpointsSecurityGroup/)]);
    expect(t.notes).not.toContainEqual(expect.stringMatching(/^Secrets Manager/));
  });

  test('no NAT: no public tier, nothing routes out; NAT instances: the NAT host carries its group', () => {
    const none = buildTopology(specFor(() => ({ natGateways: 0, vpcEndpoints: true })));
    expect(none.hosts.map((h) => h.name)).toEqual(['fn', 'proxy', 'db', 'migrate', 'sm']);
    expect(none.hosts.every((h) => (none.routeTables.get(h.subnet.routeTable ?? '') ?? []).length === 0)).toBe(true);
    const spec = specFor(() => ({ egress: Egress.natInstances() }));
    expect(buildTopology(spec).hosts.find((h) => h.name === 'nat')).toMatchObject({ tier: 'public', groups: [idOf(spec, 'AWS::EC2::SecurityGroup', /NatSecurityGroup/)] });
  });

  test('--show-rules lists hosts, routes, every group\'s rules and the filter', () => {
    const text = showRules(buildTopology(defaults)).join('\n');
    expect(text).toMatch(/^ {2}database +db +10\.0\.12\.10 +10\.0\.12\.0\/24 Database +none \(isolated\)$/m);
    expect(text).toMatch(/^ {4}out {2}CDK's placeholder 255\.255\.255\.255\/32 icmp 252-86: matches no packet/m);
    expect(text).toMatch(/^ {2}table inet slp_security_groups \{$/m);
  });

  test('an imported VPC (subnets not in the template) cannot be replicated: one line that says why', () => {
    const spec = specFor((s) => ({
      vpc: ec2.Vpc.fromVpcAttributes(s, 'Imported', {
        vpcId: 'vpc-0123',
        availabilityZones: ['us-east-1a', 'us-east-1b'],
        privateSubnetIds: ['subnet-a', 'subnet-b'],
        isolatedSubnetIds: ['subnet-c', 'subnet-d'],
      }),
    }));
    expect(() => buildTopology(spec)).toThrow(/--isolate builds the replica from the template's subnets and route tables, but .* subnet subnet-a, which Model does not create \(an imported VPC\?\)/);
  });
});

test('without Linux, root or the tools, --isolate says why', () => {
  const all = () => '/usr/sbin/x';
  expect(isolationUnavailable('darwin', 0, all)).toMatch(/^--isolate needs Linux network namespaces, and this is darwin/);
  expect(isolationUnavailable('linux', 1000, all)).toMatch(/takes root/);
  expect(isolationUnavailable('linux', 0, (name) => (name === 'nft' ? undefined : '/usr/sbin/x'))).toBe('--isolate needs nft: install nftables (apt-get install nftables)');
  expect(isolationUnavailable('linux', 0, all)).toBeUndefined();
});

test('namespace names say whose run they belong to, whatever the digits of its PID', () => {
  // Base 36 digits include the letters: `x`, `_` and `-` must not be mistaken for one another.
  const started = String(parseInt('g5x9', 36));
  for (const pid of [33, parseInt('7h6', 36), 65535, 4194304]) {
    expect(ownerOf(`${runPrefix(pid, started)}-router`)).toEqual({ pid, started });
  }
  expect(ownerOf('slp-other')).toBeUndefined();
  expect(ownerOf('mine')).toBeUndefined();
});
