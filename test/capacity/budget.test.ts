import { Token } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { DatabaseAuthentication, SecureLambdaPostgresProps } from '../../src';
import { synth } from '../util';
import { connectionBudget } from '../../src/capacity/budget';
import { CONNECTION_BUDGET_WARNING } from '../../src/capacity/check';
import { defaultMaxConnections } from '../../src/rds-limits/max-connections';

const cls = (name: string) => new ec2.InstanceType(name);
const warnings = (stack: any) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('.*'))
  .map(m => String(m.entry.data)).filter(d => d.includes(CONNECTION_BUDGET_WARNING));
const reserved = (template: any) => Object.values<any>(template.findResources('AWS::Lambda::Function', {
  Properties: { Description: Match.stringLikeRegexp('API handler') },
}))[0].Properties.ReservedConcurrentExecutions;

describe('max_connections of an instance class', () => {
  // LEAST((memory − 300 MiB − 2 % of memory) / 9531392, 5000), by hand:
  test.each([
    ['t4g.micro', 77], //   1 GiB: (1073741824 − 314572800 − 21474836.48) / 9531392 = 77.4
    ['t4g.small', 187], //  2 GiB: (2147483648 − 314572800 − 42949672.96) / 9531392 = 187.8
    ['t4g.medium', 408], // 4 GiB: (4294967296 − 314572800 − 85899345.92) / 9531392 = 408.6
    ['m6g.large', 850], //  8 GiB: (8589934592 − 314572800 − 171798691.84) / 9531392 = 850.2
    ['r6g.large', 1733], // 16 GiB: (17179869184 − 314572800 − 343597383.68) / 9531392 = 1733.4
    ['r6g.4xlarge', 5000], // 128 GiB: 14 098, capped at 5000
  ])('%s: %d', (instanceClass, expected) => {
    const budget = connectionBudget({ instanceClass, proxyMaxConnectionsPercent: 100, connectionsPerContainer: 1, directClients: [] })!;
    expect(budget.maxConnections).toBe(expected);
  });

  test.each([
    // Published `SHOW max_connections` of the default parameter group, by memory.
    [1, 79], [2, 198], [4, 413], [8, 856], [15.25, 1660],
  ])('stays at or just below what RDS reports for %d GiB (%d)', (memoryGiB, measured) => {
    const estimate = defaultMaxConnections(memoryGiB);
    expect(estimate).toBeLessThanOrEqual(measured);
    expect(estimate).toBeGreaterThan(measured * 0.9);
  });
});

describe('the budget: what the proxy may open, less what others hold', () => {
  test.each<[string, number, Partial<SecureLambdaPostgresProps>]>([
    // t4g.micro: min(77, 77 − 3 − 3 rotation functions − 1 migration function) = 70 → 70 / 1.3 = 53.8
    ['t4g.micro', 53, {}],
    // t4g.small: min(187, 180) = 180 → 138.5
    ['t4g.small', 138, { databaseInstanceType: cls('t4g.small') }],
    // r6g.large: min(1733, 1726) = 1726 → 1327.7
    ['r6g.large', 1327, { databaseInstanceType: cls('r6g.large') }],
    // half for the proxy: floor(77 × 50 %) = 38 → 29.2
    ['t4g.micro at 50 %', 29, { proxyMaxConnectionsPercent: 50 }],
    // two connections per container: 180 / 1.3 / 2 = 69.2
    ['t4g.small with 2 per container', 69, { databaseInstanceType: cls('t4g.small'), functionConnectionsPerContainer: 2 }],
    // no rotation functions: min(187, 183) = 183 → 140.8
    ['t4g.small without rotation', 140, { databaseInstanceType: cls('t4g.small'), databaseSecretRotation: false }],
    // IAM authentication: the app role has no secret to rotate, 2 rotation functions: min(187, 181) = 181 → 139.2
    ['t4g.small with IAM authentication', 139, { databaseInstanceType: cls('t4g.small'), databaseAuthentication: DatabaseAuthentication.IAM }],
  ])('%s: functionConcurrencyFromBudget reserves %d', (_name, expected, props) => {
    const { backend, template } = synth({ ...props, functionConcurrencyFromBudget: true });
    expect(reserved(template)).toBe(expected);
    expect(backend.connectionBudget?.suggestedConcurrency).toBe(expected);
  });

  test('the numbers are a member', () => {
    expect(synth().backend.connectionBudget).toEqual({
      instanceClass: 'db.t4g.micro',
      maxConnections: 77,
      proxyConnections: 77,
      directConnections: 4,
      functionConnections: 70,
      concurrencyLimit: 70,
      suggestedConcurrency: 53,
    });
  });
});

describe('no reserved concurrency: a warning with the numbers and the cap', () => {
  test('defaults', () => {
    const [warning] = warnings(synth().stack);
    expect(warning).toMatch(/functionReservedConcurrency is not set/);
    expect(warning).toMatch(/db\.t4g\.micro allows max_connections ≈ 77 .*100 % of them \(77\); less 3 reserved for superusers and 3 for the rotation functions and 1 for the migration function that leaves 70 connections/);
    expect(warning).toMatch(/Suggested cap: 53 \(70 \/ 1\.3 headroom.*\/ 1 connection per container\)\. Set functionReservedConcurrency: 53 or functionConcurrencyFromBudget: true/);
  });

  test('the cap removes the warning and the LambdaConcurrency acknowledgement', () => {
    const { stack, template } = synth({ functionConcurrencyFromBudget: true });
    expect(warnings(stack)).toEqual([]);
    const fn = Object.values<any>(template.findResources('AWS::Lambda::Function', { Properties: { ReservedConcurrentExecutions: 53 } }))[0];
    expect(JSON.stringify(fn.Metadata)).not.toMatch(/LambdaConcurrency|CKV_AWS_115/);
  });

  test('a reserved concurrency within the budget and its headroom: no warning', () => {
    expect(warnings(synth({ functionReservedConcurrency: 53 }).stack)).toEqual([]);
  });

  test('within the budget but without the 30 % headroom: a warning', () => {
    const [warning] = warnings(synth({ functionReservedConcurrency: 65 }).stack);
    expect(warning).toMatch(/functionReservedConcurrency 65 × 1 = 65 connections fits .* but without the 30 % headroom/);
  });
});

describe('over budget: a synth error with the numbers and the ways out', () => {
  test('100 containers against a t4g.micro', () => {
    expect(() => synth({ functionReservedConcurrency: 100 })).toThrow(new RegExp([
      'Connection budget exceeded: functionReservedConcurrency 100 × functionConnectionsPerContainer 1 = 100 connections, ',
      'but db\\.t4g\\.micro allows max_connections ≈ 77 .* leaves 70 connections for the function\\. ',
      'Either lower functionReservedConcurrency to at most 70 \\(53 keeps RDS Proxy.s 30 % headroom; or functionConcurrencyFromBudget: true\\), ',
      'or give the database more connections: databaseInstanceType db\\.t4g\\.small leaves 180\\.',
    ].join('')));
  });

  test('pools count: 50 containers × 4 connections against a t4g.small', () => {
    expect(() => synth({ databaseInstanceType: cls('t4g.small'), functionReservedConcurrency: 50, functionConnectionsPerContainer: 4 }))
      .toThrow(/50 × functionConnectionsPerContainer 4 = 200 connections.*at most 45 .*db\.t4g\.medium leaves 401/);
  });

  test('a lowered proxy share is named as a way out', () => {
    expect(() => synth({ proxyMaxConnectionsPercent: 20, proxyMaxIdleConnectionsPercent: 10, functionReservedConcurrency: 20 }))
      .toThrow(/the proxy may open 20 % of them \(15\).*or a higher proxyMaxConnectionsPercent/);
  });
});

describe('what cannot be checked at synth', () => {
  test('a token skips the check with a note, even when the value would be too high', () => {
    const { stack } = synth({ proxyMaxConnectionsPercent: Token.asNumber({ Ref: 'Percent' }), functionReservedConcurrency: 5000 });
    const infos = Annotations.fromStack(stack).findInfo('*', Match.stringLikeRegexp('Connection budget not checked: proxyMaxConnectionsPercent is a deploy-time token'));
    expect(infos).toHaveLength(1);
  });

  test('an instance class outside the table: a warning, and no automatic cap', () => {
    const props = { databaseInstanceType: cls('x1e.xlarge') };
    expect(warnings(synth(props).stack)[0]).toMatch(/no memory figure for x1e\.xlarge/);
    expect(() => synth({ ...props, functionConcurrencyFromBudget: true })).toThrow(/functionConcurrencyFromBudget cannot size the concurrency: there is no memory figure for x1e\.xlarge.*Set functionReservedConcurrency yourself/);
  });

  test.each<[string, SecureLambdaPostgresProps, RegExp]>([
    ['the automatic cap next to a reserved one', { functionConcurrencyFromBudget: true, functionReservedConcurrency: 10 }, /functionConcurrencyFromBudget sets the reserved concurrency itself; drop functionReservedConcurrency/],
    ['zero connections per container', { functionConnectionsPerContainer: 0 }, /functionConnectionsPerContainer must be a whole number of at least 1, got 0/],
  ])('fails on %s', (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
