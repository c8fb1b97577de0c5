/**
 * The part of the cost that grows with traffic, against figures worked out by hand (us-east-1):
 * API Gateway $3.50/M (333 M, then $2.80/M), Lambda $0.20/M and $0.0000133334/GB-s (arm64),
 * X-Ray $5.00/M traces (1/s + 5% of the rest), logs $0.50/GB, data out $0.09/GB, NAT gateway
 * $0.045/GB, interface endpoints $0.01/GB; a month is 730 h = 2,628,000 s; GB = 1,048,576 KB.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Egress, SecureLambdaPostgres, SecureLambdaPostgresProps } from '../../src';
import { CLERK_PEM, ENV } from '../util';
import { PRICE_TABLE } from '../../src/cost';
import { loadStacks } from '../../src/cost/assembly';
import { costCommand } from '../../src/cost/command';
import { requestPath, tiered, tracesRecorded, trafficLines } from '../../src/cost/traffic';

// (CLERK_PEM from ./util)
const CONFIGURATIONS: { [name: string]: SecureLambdaPostgresProps } = {
  Defaults: {},
  Development: { egress: Egress.natInstances(), dashboard: false },
  Endpoints: { natGateways: 0, vpcEndpoints: true, clerkJwtKey: CLERK_PEM },
  BigFunction: { functionMemorySize: 1024 },
};
const US = PRICE_TABLE.regions['us-east-1'];

let outdir: string;
beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cost-traffic-'));
  const app = new App({ outdir });
  for (const [name, props] of Object.entries(CONFIGURATIONS)) new SecureLambdaPostgres(new Stack(app, name, { env: ENV }), 'Backend', props);
  new Stack(app, 'NoApi', { env: ENV }).templateOptions.description = 'nothing to invoke';
  app.synth();
});
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

const stack = (name: string) => loadStacks(outdir).find(s => s.name === name)!;
const cents = (n: number) => Math.round(n * 100) / 100;
const lines = (name: string, requestsPerMonth: number, more: { avgDurationMs?: number; responseKb?: number; egressKb?: number } = {}) =>
  Object.fromEntries(trafficLines(requestPath(stack(name), US), US, { avgDurationMs: 50, responseKb: 1, egressKb: 0, ...more, requestsPerMonth })
    .map(l => [l.item, cents(l.monthly)]));

test('the request path is read from the template: the API function, its memory and architecture, tracing, NAT', () => {
  expect(requestPath(stack('Defaults'), US)).toMatchObject({ function: expect.stringMatching(/^Backend\/?Function/), memoryMb: 512, architecture: 'arm64', traced: true, egress: { item: 'NAT gateway data processing', perGb: 0.045 } });
  expect(requestPath(stack('BigFunction'), US).memoryMb).toBe(1024);
  expect(requestPath(stack('Development'), US).egress).toEqual({ item: 'NAT instance data processing', perGb: 0 });
  expect(requestPath(stack('Endpoints'), US).egress).toEqual({ item: 'Interface endpoint data processing', perGb: 0.01 });
});

test('10 M requests with the defaults (50 ms at 512 MB arm64, 1 KB responses): $60.94', () => {
  expect(lines('Defaults', 10_000_000)).toEqual({
    'API Gateway REST requests': 35.0, //          10 M × $3.50
    'Lambda requests': 2.0, //                     10 M × $0.20
    'Lambda duration arm64': 3.33, //              10 M × 0.05 s × 0.5 GB = 250,000 GB-s × $0.0000133334 = $3.33335
    'X-Ray traces': 14.98, //                      2,628,000 + 5% × 7,372,000 = 2,996,600 traces × $5/M = $14.983
    'Log ingestion per request': 4.77, //          10 M KB = 9.5367 GB × $0.50 = $4.768
    'Data transfer out (responses)': 0.86, //      9.5367 GB × $0.09 = $0.858
    'NAT gateway data processing': 0, //           0 KB per request
  });
  // 35 + 2 + 3.33335 + 14.983 + 4.76837 + 0.85831 = 60.94303
  const total = trafficLines(requestPath(stack('Defaults'), US), US, { requestsPerMonth: 10_000_000, avgDurationMs: 50, responseKb: 1, egressKb: 0 })
    .reduce((sum, l) => sum + l.monthly, 0);
  expect(total.toFixed(2)).toBe('60.94');
});

test('1 M requests: X-Ray records every one (fewer than one a second); a bigger function, longer requests, more data', () => {
  expect(tracesRecorded(1_000_000)).toBe(1_000_000);
  expect(lines('BigFunction', 1_000_000, { avgDurationMs: 200, responseKb: 10, egressKb: 10 })).toEqual({
    'API Gateway REST requests': 3.5, //           1 M × $3.50
    'Lambda requests': 0.2, //                     1 M × $0.20
    'Lambda duration arm64': 2.67, //              1 M × 0.2 s × 1 GB = 200,000 GB-s × $0.0000133334 = $2.66668
    'X-Ray traces': 5.0, //                        1,000,000 × $5/M
    'Log ingestion per request': 0.48, //          1 M KB = 0.95367 GB × $0.50 = $0.477
    'Data transfer out (responses)': 0.86, //      10 M KB = 9.5367 GB × $0.09 = $0.858
    'NAT gateway data processing': 0.43, //        9.5367 GB × $0.045 = $0.429
  });
});

test('data processing by egress: none on a NAT instance, $0.01/GB through endpoints', () => {
  expect(lines('Development', 1_000_000, { egressKb: 10 })['NAT instance data processing']).toBe(0);
  // 10 M KB = 9.5367 GB × $0.01 = $0.095
  expect(lines('Endpoints', 1_000_000, { egressKb: 10 })['Interface endpoint data processing']).toBe(0.1);
});

test('API Gateway volume tiers: 500 M requests cost 333 × $3.50 + 167 × $2.80 = $1,633.10', () => {
  expect(cents(tiered(500, US.apiRestRequestMillion))).toBe(1633.1);
  expect(lines('Defaults', 500_000_000)['API Gateway REST requests']).toBe(1633.1);
  expect(tiered(0, US.apiRestRequestMillion)).toBe(0);
});

test('0 requests cost nothing beyond the fixed part', () => {
  expect(Object.values(lines('Defaults', 0)).every(v => v === 0)).toBe(true);
});

describe('secure-lambda-postgres cost with traffic', () => {
  let stdout: string;
  let stderr: string;
  const run = async (...argv: string[]) => {
    stdout = '';
    stderr = '';
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(c => ((stdout += String(c)), true));
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(c => ((stderr += String(c)), true));
    try {
      return await costCommand(argv);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  };

  test('--requests-per-month prints each line with its basis and the total with the fixed part', async () => {
    expect(await run('--assembly', outdir, '--stack', 'Defaults', '--requests-per-month', '10000000')).toBe(0);
    expect(stdout).toMatch(/^ +\$35\.00 {2}API Gateway REST requests: 10 M × \$3\.50\/M$/m);
    expect(stdout).toMatch(/^ +\$3\.33 {2}Lambda duration arm64 Backend\/?Function\S*: 250,000 GB-s \(50 ms × 512 MB\) × \$0\.0000133334$/m);
    expect(stdout).toMatch(/^ +\$14\.98 {2}X-Ray traces: 2,996,600 traces/m);
    // $79.88 fixed + $60.94 traffic
    expect(stdout).toMatch(/^ +\$60\.94 {2}Traffic$/m);
    expect(stdout).toMatch(/^ +\$140\.82 {2}Total with traffic \(fixed \$79\.88\)$/m);
    expect(stdout).toMatch(/free tiers .* are not deducted/);
  });

  test('without a request count: a table at 0, 1 M, 10 M and 100 M', async () => {
    expect(await run('--assembly', outdir, '--stack', 'Defaults')).toBe(0);
    const rows = stdout.split('\n').filter(l => /^ {2}(0|1 M|10 M|100 M) /.test(l)).map(l => l.trim().split(/\s{2,}/));
    expect(rows.map(r => r[0])).toEqual(['0', '1 M', '10 M', '100 M']);
    expect(rows[0].slice(1)).toEqual(['$0.00', '$0.00', '$0.00', '$0.00', '$0.00', '$0.00', '$0.00', '$79.88']);
    // 10 M as above; Lambda = $2.00 + $3.33
    expect(rows[2].slice(1)).toEqual(['$35.00', '$5.33', '$14.98', '$4.77', '$0.86', '$0.00', '$60.94', '$140.82']);
    // 100 M: 100 × $3.50; 100 × $0.20 + 2.5 M GB-s × $0.0000133334 = 20 + 33.33;
    // 2,628,000 + 5% × 97,372,000 = 7,496,600 traces = $37.48; 95.367 GB × $0.50 = 47.68, × $0.09 = 8.58
    expect(rows[3].slice(1, 6)).toEqual(['$350.00', '$53.33', '$37.48', '$47.68', '$8.58']);
  });

  test('a stack without an API prints its fixed part and says why traffic is not priced', async () => {
    expect(await run('--assembly', outdir, '--stack', 'NoApi', '--requests-per-month', '5')).toBe(0);
    expect(stdout).toMatch(/traffic not priced: stack NoApi has no function behind an API Gateway REST API/);
  });

  test.each([
    [['--requests-per-month', '-5'], /^cost: --requests-per-month must be a whole number of requests, 0 or more, got '-5'\. usage: /],
    [['--requests-per-month', '1.5'], /^cost: --requests-per-month must be a whole number/],
    [['--requests-per-month', '10', '--avg-duration-ms', '0'], /^cost: --avg-duration-ms must be a number of ms from 1 to 900000, got '0'/],
    [['--response-kb', 'lots'], /^cost: --response-kb must be a number of KB, 0 or more, got 'lots'/],
    [['--egress-kb'], /^cost: --egress-kb needs a value/],
    [['--requests-per-month', ''], /^cost: --requests-per-month must be/],
  ])('bad arguments %j: one line, exit 2', async (argv, message) => {
    expect(await run('--assembly', outdir, ...argv)).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stdout).toBe('');
  });

  test('the usage states the defaults', async () => {
    expect(await run('--help')).toBe(0);
    expect(stdout).toMatch(/--avg-duration-ms D \(default 50\)\] \[--response-kb K \(default 1\)\] \[--egress-kb E \(default 0\)\]/);
  });
});
