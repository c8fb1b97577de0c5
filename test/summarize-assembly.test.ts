import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { loadStacks, summarizeAssembly, summarizeStack, UsageError } from '../scripts/summarize-assembly';

let outdir: string;
let summary: string;
let lines: string[];

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'summarize-assembly-'));
  const app = new App({ outdir });

  const open = new Stack(app, 'OpenStack');
  const vpc = new ec2.Vpc(open, 'Vpc', {
    maxAzs: 2,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
      { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      { name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
    ],
  });
  const openSg = new ec2.SecurityGroup(open, 'OpenSg', { vpc, description: 'wide open' });
  openSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(22));
  const closedSg = new ec2.SecurityGroup(open, 'ClosedSg', { vpc, description: 'locked down', allowAllOutbound: false });
  closedSg.addIngressRule(openSg, ec2.Port.tcp(5432));
  // Only a standalone egress rule: CDK drops its placeholder, so EC2 keeps the default allow-all.
  new ec2.SecurityGroup(open, 'LeakySg', { vpc, description: 'standalone egress only', allowAllOutbound: false })
    .addEgressRule(closedSg, ec2.Port.tcp(5432));
  new lambda.Function(open, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
    timeout: Duration.seconds(5),
    vpc,
    securityGroups: [closedSg],
    environment: { DB_PASSWORD: 'do-not-print-me' },
  });

  const closed = new Stack(app, 'ClosedStack');
  const vpc2 = new ec2.Vpc(closed, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  new ec2.SecurityGroup(closed, 'OnlyVpcSg', { vpc: vpc2, description: 'vpc only', allowAllOutbound: false })
    .addIngressRule(ec2.Peer.ipv4('10.0.0.0/16'), ec2.Port.tcp(443));

  app.synth();
  summary = summarizeAssembly(outdir);
  lines = summary.split('\n');
});

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

/** The lines of one stack's summary. */
function stackLines(name: string): string[] {
  const stack = loadStacks(outdir).find(s => s.name === name);
  if (!stack) throw new Error(`stack ${name} not in assembly`);
  return summarizeStack(stack);
}

test('lists every stack', () => {
  expect(loadStacks(outdir).map(s => s.name).sort()).toEqual(['ClosedStack', 'OpenStack']);
  expect(lines.filter(l => l.startsWith('Stack '))).toHaveLength(2);
});

test('counts subnets per tier, NAT gateways and public-IP auto-assignment', () => {
  const open = stackLines('OpenStack');
  expect(open).toContain('  Subnets: Public 2, Private 2, Isolated 2');
  expect(open).toContain('  NAT gateways: 1, internet gateways: 1');
  // env-agnostic stack: AZs are Fn::Select tokens, CIDRs are literals
  expect(open).toContainEqual(expect.stringMatching(/^ {4}Public +\(token\) 10\.0\.0\.0\/24, \(token\) 10\.0\.1\.0\/24 +\| auto-assign public IP: yes$/));
  expect(open).toContainEqual(expect.stringMatching(/^ {4}Isolated +\(token\) 10\.0\.4\.0\/24, \(token\) 10\.0\.5\.0\/24 +\| auto-assign public IP: no$/));

  const closed = stackLines('ClosedStack');
  expect(closed).toContain('  Subnets: Isolated 2');
  expect(closed).toContain('  NAT gateways: 0, internet gateways: 0');
});

test('warns about world-open ingress and about EC2\'s default egress, only for the groups that have them', () => {
  const warnings = lines.filter(l => l.startsWith('WARNING:'));
  expect(warnings).toHaveLength(2);
  expect(warnings).toContainEqual(expect.stringMatching(/^WARNING: OpenSg\w+ allows ingress from 0\.0\.0\.0\/0 tcp 22$/));
  expect(warnings).toContainEqual(expect.stringMatching(/^WARNING: LeakySg\w+ declares no inline egress, so EC2 lets it send anything anywhere$/));
  const leaky = stackLines('OpenStack');
  const at = leaky.findIndex(l => /^ {2}LeakySg\w+ /.test(l));
  expect(leaky.slice(at + 2, at + 4).join(' ').replace(/\s+/g, ' ')).toMatch(/^ out: all traffic to 0\.0\.0\.0\/0 \(EC2 default: no inline egress declared\);? sg:ClosedSg\w+ tcp 5432$/);
  expect(stackLines('ClosedStack').some(l => l.includes('WARNING'))).toBe(false);
});

test('resolves security-group peers and recognises the disallow-all egress placeholder', () => {
  const open = stackLines('OpenStack');
  const closedAt = open.findIndex(l => /^ {2}ClosedSg\w+ "locked down"$/.test(l));
  expect(closedAt).toBeGreaterThan(-1);
  expect(open[closedAt + 1]).toMatch(/^ {4}in: {2}sg:OpenSg\w+ tcp 5432$/);
  expect(open[closedAt + 2]).toBe('    out: none (all outbound denied)');
  expect(summary).not.toContain('255.255.255.255');

  const onlyVpc = stackLines('ClosedStack');
  expect(onlyVpc).toContain('    in:  10.0.0.0/16 tcp 443');
});

test('prints Lambda env var names but never their values', () => {
  expect(summary).toMatch(/Lambda Fn\w+: nodejs22\.x, x86_64 \(default\), 128 MB, timeout 5s, VPC yes/);
  expect(summary).toContain('DB_PASSWORD');
  expect(summary).not.toContain('do-not-print-me');
});

test('says why a stack without a region has no cost estimate', () => {
  expect(stackLines('OpenStack')).toContain('Monthly cost estimate: not estimated: stack OpenStack has no region (environment-agnostic): pass --region, one of us-east-1');
});

test('counts resources by type', () => {
  expect(stackLines('OpenStack')).toContainEqual(expect.stringContaining('AWS::EC2::Subnet 6'));
});

test('fails clearly for a missing directory or an assembly without stacks', () => {
  expect(() => summarizeAssembly(path.join(outdir, 'nope'))).toThrow(UsageError);
  expect(() => summarizeAssembly(path.join(outdir, 'nope'))).toThrow(/no cloud assembly: .* does not exist; run `cdk synth` first/);
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'summarize-assembly-empty-'));
  try {
    fs.writeFileSync(path.join(empty, 'manifest.json'), JSON.stringify({ version: '53.0.0', artifacts: {} }));
    expect(() => summarizeAssembly(empty)).toThrow(/no CloudFormation stacks/);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});
