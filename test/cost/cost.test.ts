import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Egress, SecureLambdaPostgres, SecureLambdaPostgresProps } from '../../src';
import { ENV } from '../util';
import { costCommand, estimateCost, PRICE_TABLE, PricingError } from '../../src/cost';
import { CLI_PATH } from '../harness/bundle';
import { loadStacks } from '../../src/cost/assembly';

/** The README's three configurations. */
const CONFIGURATIONS: { [name: string]: SecureLambdaPostgresProps } = {
  Defaults: {},
  Development: { egress: Egress.natInstances(), dashboard: false },
  Production: { egress: Egress.natGateways(2), databaseMultiAz: true, databaseInstanceType: new ec2.InstanceType('t4g.small'), functionConcurrencyFromBudget: true },
  Options: { vpcEndpoints: true, bastion: true },
};

let outdir: string;
beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cost-'));
  const app = new App({ outdir });
  for (const [name, props] of Object.entries(CONFIGURATIONS)) new SecureLambdaPostgres(new Stack(app, name, { env: ENV }), 'Backend', props);
  new SecureLambdaPostgres(new Stack(app, 'Ireland', { env: { account: ENV.account, region: 'eu-west-1' } }), 'Backend');
  new SecureLambdaPostgres(new Stack(app, 'Agnostic'), 'Backend');
  app.synth();
});
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

const stack = (name: string) => loadStacks(outdir).find(s => s.name === name)!;
const priced = (name: string) => {
  const estimate = estimateCost(stack(name));
  return { estimate, items: Object.fromEntries(estimate.lines.map(l => [l.item, Math.round(l.monthly * 1000) / 1000])) };
};

describe('the three README configurations, against figures worked out by hand (us-east-1, 730 h)', () => {
  test('defaults: $79.88', () => {
    const { estimate, items } = priced('Defaults');
    expect(items).toEqual({
      'NAT gateway': 32.85, //                       730 × 0.045
      'Public IPv4 (Elastic IP)': 3.65, //           730 × 0.005
      'RDS db.t4g.micro Single-AZ': 11.68, //        730 × 0.016
      'RDS storage gp3 20 GB Single-AZ': 2.3, //     20 × 0.115
      'RDS Proxy (2 vCPU)': 21.9, //                 2 × 730 × 0.015
      'KMS keys × 1': 1,
      'Secrets × 3': 1.2,
      'CloudWatch alarms × 15': 1.8, //              13 single-metric + 1 with 2 metrics + 1 with 3 (rotation) = 18 × 0.10
      'CloudWatch dashboards × 1': 3,
      'Log ingestion (assumed)': 0.5, //             1 GB × 0.50
    });
    expect(estimate.total.toFixed(2)).toBe('79.88');
    expect(estimate.unpriced).toEqual([]);
  });

  test('development (NAT instance, no dashboard): $47.84', () => {
    const { estimate, items } = priced('Development');
    expect(items).toEqual({
      'EC2 t4g.nano': 3.066, //                      730 × 0.0042
      'Public IPv4 (instance)': 3.65,
      'EBS gp3 8 GB': 0.64, //                       8 × 0.08
      'RDS db.t4g.micro Single-AZ': 11.68,
      'RDS storage gp3 20 GB Single-AZ': 2.3,
      'RDS Proxy (2 vCPU)': 21.9,
      'KMS keys × 1': 1,
      'Secrets × 3': 1.2,
      'CloudWatch alarms × 16': 1.9, //              + the NAT instance's status check
      'Log ingestion (assumed)': 0.5,
    });
    expect(estimate.total.toFixed(2)).toBe('47.84');
  });

  test('production (Multi-AZ db.t4g.small, 2 NAT gateways): $153.72', () => {
    const { estimate, items } = priced('Production');
    expect(items).toEqual({
      'NAT gateway': 32.85, //                       twice, one per zone
      'Public IPv4 (Elastic IP)': 3.65,
      'RDS db.t4g.small Multi-AZ': 46.72, //         2 × 730 × 0.032
      'RDS storage gp3 20 GB Multi-AZ': 4.6, //      2 × 20 × 0.115
      'RDS Proxy (2 vCPU)': 21.9,
      'KMS keys × 1': 1,
      'Secrets × 3': 1.2,
      'CloudWatch alarms × 15': 1.8,
      'CloudWatch dashboards × 1': 3,
      'Log ingestion (assumed)': 0.5,
    });
    expect(estimate.lines.filter(l => l.item === 'NAT gateway')).toHaveLength(2);
    expect(estimate.lines.filter(l => l.item === 'Public IPv4 (Elastic IP)')).toHaveLength(2);
    expect(estimate.total.toFixed(2)).toBe('153.72');
  });
});

test('every price in the table names its source, and the table its date', () => {
  expect(PRICE_TABLE.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  for (const prices of Object.values(PRICE_TABLE.regions)) {
    expect(Object.keys(PRICE_TABLE.sources).sort()).toEqual(Object.keys(prices).sort());
  }
  for (const source of Object.values(PRICE_TABLE.sources)) expect(source.official).toMatch(/^https:\/\/aws\.amazon\.com\//);
});

test('interface endpoints per zone, and the bastion with its volume and detailed monitoring', () => {
  const { estimate } = priced('Options');
  const of = (item: string) => estimate.lines.filter(l => l.item === item).map(l => Math.round(l.monthly * 1000) / 1000);
  expect(of('Interface endpoint × 2 AZ')).toEqual([14.6, 14.6]); //  Secrets Manager and Logs: 2 × 730 × 0.01 each
  expect(of('EC2 t4g.nano')).toEqual([3.066]);
  expect(of('EBS gp3 8 GB')).toEqual([0.64]);
  expect(of('Detailed monitoring')).toEqual([2.1]); //               7 metrics × 0.30
  expect(of('Public IPv4 (instance)')).toEqual([]); //               the bastion has no public address
});

describe('what cannot be priced says so', () => {
  test('a region outside the table', () => {
    expect(() => estimateCost(stack('Ireland'))).toThrow(PricingError);
    expect(() => estimateCost(stack('Ireland'))).toThrow(/no prices for region eu-west-1: the table \(src\/cost\/prices\.ts, 2026-12-02\) covers us-east-1; pass --region/);
    expect(estimateCost(stack('Ireland'), { region: 'us-east-1' }).total.toFixed(2)).toBe('79.88');
  });

  test('an environment-agnostic stack', () => {
    expect(() => estimateCost(stack('Agnostic'))).toThrow(/stack Agnostic has no region \(environment-agnostic\): pass --region, one of us-east-1/);
  });

  test('an instance class outside the table is listed, not guessed', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(outdir, 'large-')) });
    new SecureLambdaPostgres(new Stack(app, 'Large', { env: ENV }), 'Backend', { databaseInstanceType: new ec2.InstanceType('r6g.xlarge') });
    const large = loadStacks(app.synth().directory)[0];
    const estimate = estimateCost(large);
    expect(estimate.unpriced).toEqual([expect.stringMatching(/^RDS db\.r6g\.xlarge .*: no price for db\.r6g\.xlarge in the table$/)]);
    // The proxy is still priced from the class's 4 vCPUs.
    expect(estimate.lines.find(l => l.item.startsWith('RDS Proxy'))!.monthly).toBeCloseTo(4 * 730 * 0.015);
  });
});

describe('secure-lambda-postgres cost', () => {
  async function run(argv: string[]) {
    let stdout = '';
    let stderr = '';
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(chunk => { stdout += chunk; return true; });
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(chunk => { stderr += chunk; return true; });
    try {
      return { code: await costCommand(argv), stdout, stderr };
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  }

  test('prints the estimate of one stack and exits 0', async () => {
    const { code, stdout } = await run(['--assembly', outdir, '--stack', 'Defaults']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Stack Defaults\nMonthly cost estimate \(USD, us-east-1, on-demand, 730 h\/month; prices of 2026-12-02/);
    expect(stdout).toMatch(/\$79\.88 {2}Total\n/);
  });

  test('--log-gb changes the log assumption', async () => {
    const { stdout } = await run(['--assembly', outdir, '--stack', 'Defaults', '--log-gb', '10']);
    expect(stdout).toMatch(/\$5\.00 {2}Log ingestion \(assumed\) .*: 10 GB × \$0\.50\/GB/);
    expect(stdout).toMatch(/\$84\.38 {2}Total/);
  });

  test('a stack it cannot price is named with the reason, exit 1', async () => {
    const { code, stdout } = await run(['--assembly', outdir]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/Stack Ireland\n {2}not estimated: no prices for region eu-west-1/);
    expect(stdout).toMatch(/Stack Production\nMonthly cost estimate/);
  });

  test.each([
    [['--bogus'], /^cost: unknown argument '--bogus'\. usage: secure-lambda-postgres cost/],
    [['--assembly'], /^cost: --assembly needs a value\./],
    [['--log-gb', 'lots'], /^cost: --log-gb must be a number of GB, 0 or more, got 'lots'\./],
  ])('bad arguments %p: one line, exit 2', async (argv, message) => {
    const { code, stderr, stdout } = await run(argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stdout).toBe('');
  });

  test('a missing assembly: one line that says what to do, exit 2', async () => {
    const { code, stderr } = await run(['--assembly', path.join(outdir, 'nope')]);
    expect(code).toBe(2);
    expect(stderr).toBe(`cost: no cloud assembly: ${path.join(outdir, 'nope')} does not exist; run \`cdk synth\` first, or pass --assembly DIR\n`);
  });

  test('ships in the secure-lambda-postgres command', () => {
    const cli = spawnSync(process.execPath, [CLI_PATH, 'cost', '--assembly', outdir, '--stack', 'Defaults'], { encoding: 'utf8' });
    expect(cli.status).toBe(0);
    expect(cli.stdout).toMatch(/\$79\.88 {2}Total\n/);
    const bad = spawnSync(process.execPath, [CLI_PATH, 'cost', '--bogus'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
