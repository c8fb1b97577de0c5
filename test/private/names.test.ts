import { App, Stack } from 'aws-cdk-lib';
import { SecureLambdaPostgres } from '../../src';
import { evaluateName, UNIQUE_NAMES } from '../lifecycle/physical-names';
import { CLERK_PEM, ENV } from '../util';

function evaluate(value: unknown, stack: string, region: string): string | undefined {
  return evaluateName(value, { stackName: stack, stackId: `arn:aws:cloudformation:${region}:${ENV.account}:stack/${stack}/00000000-0000-4000-8000-${stack.toLowerCase().padEnd(12, '0').slice(0, 12)}`, region, account: ENV.account });
}

describe('many copies per account', () => {
  // GIVEN: dev and staging in one account and region; staging holds two backends.
  const app = new App();
  const dev = new Stack(app, 'Dev', { env: ENV });
  const staging = new Stack(app, 'Staging', { env: ENV });
  const everything = { bastion: true, vpcEndpoints: true, clerkJwtKey: CLERK_PEM };
  new SecureLambdaPostgres(dev, 'Backend', everything);
  new SecureLambdaPostgres(staging, 'Backend', everything);
  new SecureLambdaPostgres(staging, 'Orders', everything);
  const assembly = app.synth();

  // WHEN
  const named: Array<{ type: string; name: string; where: string }> = [];
  for (const stack of assembly.stacks) {
    for (const [id, resource] of Object.entries<any>(stack.template.Resources)) {
      const pick = UNIQUE_NAMES[resource.Type];
      const name = pick && evaluate(pick(resource.Properties ?? {}), stack.stackName, ENV.region);
      if (name !== undefined) named.push({ type: resource.Type, name, where: `${stack.stackName}/${id}` });
    }
  }

  test('no two resources of a type share a physical name', () => {
    const seen = new Map<string, string>();
    const duplicates: string[] = [];
    for (const { type, name, where } of named) {
      // Names that differ only in case collide too (RDS and AWS Backup compare them case-insensitively).
      const key = `${type} ${name.toLowerCase()}`;
      if (seen.has(key)) duplicates.push(`${key}: ${seen.get(key)} and ${where}`);
      seen.set(key, where);
    }
    expect(duplicates).toEqual([]);
  });

  test('the names checked include every kind the construct names itself', () => {
    const kinds = new Set(named.map(n => n.type));
    for (const type of ['AWS::RDS::DBProxy', 'AWS::RDS::DBInstance', 'AWS::Logs::LogGroup', 'AWS::Backup::BackupVault', 'AWS::Backup::BackupPlan', 'AWS::Serverless::Application', 'AWS::EC2::LaunchTemplate', 'AWS::ApiGateway::RestApi']) {
      expect(kinds).toContain(type);
    }
    expect(named.filter(n => n.type === 'AWS::RDS::DBProxy')).toHaveLength(3);
  });

  test('names fit their service: proxy ≤ 60, backup plan ≤ 50, DB instance ≤ 63 characters, lower case, no "--"', () => {
    for (const [type, max] of [['AWS::RDS::DBProxy', 60], ['AWS::Backup::BackupPlan', 50], ['AWS::RDS::DBInstance', 63]] as const) {
      for (const { name } of named.filter(n => n.type === type)) {
        expect(name.length).toBeLessThanOrEqual(max);
        expect(name).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
        expect(name).not.toContain('--');
      }
    }
  });
});
