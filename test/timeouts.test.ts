import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ENV, existingVpc, synth } from './util';
import { SecureDatabase } from '../src';
import { ENV as CONTRACT } from '../src/contract';

describe('timeouts derived from functionTimeout', () => {
  test('a longer function timeout: FUNCTION_TIMEOUT_MS follows it, and the borrow timeout is half of it', () => {
    const { template } = synth({ functionTimeout: Duration.seconds(25) });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 25,
      Environment: { Variables: Match.objectLike({ [CONTRACT.FUNCTION_TIMEOUT_MS]: '25000' }) },
    });
    template.hasResourceProperties('AWS::RDS::DBProxyTargetGroup', {
      ConnectionPoolConfigurationInfo: Match.objectLike({ ConnectionBorrowTimeout: 12 }),
    });
  });

  test('the shortest timeout the default handler accepts: borrow timeout rounded down to whole seconds', () => {
    const { template } = synth({ functionTimeout: Duration.seconds(3) });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [CONTRACT.FUNCTION_TIMEOUT_MS]: '3000' }) },
    });
    template.hasResourceProperties('AWS::RDS::DBProxyTargetGroup', {
      ConnectionPoolConfigurationInfo: Match.objectLike({ ConnectionBorrowTimeout: 1 }),
    });
  });

  test('a borrow timeout set explicitly is kept; a user environment cannot override the contract', () => {
    const { template } = synth({
      proxyBorrowTimeout: Duration.seconds(3),
      functionEnvironment: { [CONTRACT.FUNCTION_TIMEOUT_MS]: '99999' },
    });
    template.hasResourceProperties('AWS::RDS::DBProxyTargetGroup', {
      ConnectionPoolConfigurationInfo: Match.objectLike({ ConnectionBorrowTimeout: 3 }),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [CONTRACT.FUNCTION_TIMEOUT_MS]: '10000' }) },
    });
  });

  test('SecureDatabase alone: the same default, half the default function timeout (5 s), exposed', () => {
    const stack = new Stack(new App(), 'DatabaseOnly', { env: ENV });
    const vpc = existingVpc(stack);
    const database = new SecureDatabase(stack, 'Database', {
      vpc,
      databaseSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      proxySubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::RDS::DBProxyTargetGroup', {
      ConnectionPoolConfigurationInfo: Match.objectLike({ ConnectionBorrowTimeout: 5 }),
    });
    expect(database.proxyBorrowTimeout.toSeconds()).toBe(5);
  });

  test("the app role's statement and idle-in-transaction timeouts are the function's, set by the migration function", () => {
    const migrationEnv = (template: Template) => Object.values<any>(template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: Match.objectLike({ [CONTRACT.MIGRATION_APP_USER]: Match.anyValue() }) } },
    })).map((fn) => fn.Properties.Environment.Variables);
    const timeouts = (ms: string) => ({
      [CONTRACT.MIGRATION_APP_STATEMENT_TIMEOUT_MS]: ms,
      [CONTRACT.MIGRATION_APP_IDLE_IN_TRANSACTION_TIMEOUT_MS]: ms,
    });
    expect(migrationEnv(synth({ functionTimeout: Duration.seconds(25) }).template)).toEqual([expect.objectContaining(timeouts('25000'))]);
    expect(migrationEnv(synth().template)).toEqual([expect.objectContaining(timeouts('10000'))]);
    // SecureDatabase alone assumes the default function timeout, as for the borrow timeout.
    const stack = new Stack(new App(), 'DatabaseOnly', { env: ENV });
    new SecureDatabase(stack, 'Database', {
      vpc: existingVpc(stack),
      databaseSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      proxySubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    });
    expect(migrationEnv(Template.fromStack(stack))).toEqual([expect.objectContaining(timeouts('10000'))]);
  });

  test('the tiers expose the timeouts they resolved', () => {
    const { backend } = synth({ functionTimeout: Duration.seconds(25) });
    expect(backend.databaseFunction.timeout.toSeconds()).toBe(25);
    expect(backend.database.proxyBorrowTimeout.toSeconds()).toBe(12);
  });
});
