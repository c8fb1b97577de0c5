import { App, Stack } from 'aws-cdk-lib';
import { SecureLambdaPostgres } from '../src';
import { CLERK_PEM, ENV } from './util';

/**
 * The physical names AWS requires to be unique per account and region (per VPC for security
 * groups), by resource type: where CloudFormation finds a name the resource must not share.
 */
const UNIQUE_NAMES: Record<string, (props: any) => unknown> = {
  'AWS::RDS::DBProxy': p => p.DBProxyName,
  'AWS::RDS::DBInstance': p => p.DBInstanceIdentifier,
  'AWS::RDS::DBParameterGroup': p => p.DBParameterGroupName,
  'AWS::RDS::DBSubnetGroup': p => p.DBSubnetGroupName,
  'AWS::Logs::LogGroup': p => p.LogGroupName,
  'AWS::Backup::BackupVault': p => p.BackupVaultName,
  'AWS::Backup::BackupPlan': p => p.BackupPlan?.BackupPlanName,
  'AWS::Lambda::Function': p => p.FunctionName,
  'AWS::Serverless::Application': p => p.Parameters?.functionName,
  'AWS::EC2::LaunchTemplate': p => p.LaunchTemplateName,
  'AWS::EC2::SecurityGroup': p => p.GroupName,
  'AWS::IAM::Role': p => p.RoleName,
  'AWS::IAM::InstanceProfile': p => p.InstanceProfileName,
  'AWS::IAM::ManagedPolicy': p => p.ManagedPolicyName,
  'AWS::SecretsManager::Secret': p => p.Name,
  'AWS::KMS::Alias': p => p.AliasName,
  'AWS::CloudWatch::Alarm': p => p.AlarmName,
  'AWS::CloudWatch::CompositeAlarm': p => p.AlarmName,
  'AWS::CloudWatch::Dashboard': p => p.DashboardName,
  'AWS::SNS::Topic': p => p.TopicName,
  'AWS::Events::Rule': p => p.Name,
  'AWS::ApiGateway::RestApi': p => p.Name,
};

/**
 * The name as deployed: literal strings and joins of them with the stack's pseudo parameters. A
 * name made from another resource's attribute is unique with that resource; one left out lets
 * CloudFormation generate a unique name.
 */
function evaluate(value: unknown, stack: string, region: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  const v = value as any;
  if (v.Ref === 'AWS::StackName') return stack;
  if (v.Ref === 'AWS::Region') return region;
  if (v.Ref === 'AWS::AccountId') return ENV.account;
  if (v.Ref === 'AWS::URLSuffix') return 'amazonaws.com';
  if (v.Ref === 'AWS::Partition') return 'aws';
  if (v.Ref || v['Fn::GetAtt']) return `<attribute of ${stack}/${v.Ref ?? v['Fn::GetAtt'][0]}>`;
  if (v['Fn::Join']) return v['Fn::Join'][1].map((part: unknown) => evaluate(part, stack, region)).join(v['Fn::Join'][0]);
  throw new Error(`cannot evaluate the name ${JSON.stringify(value)}: teach this test its intrinsic`);
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
      if (name !== undefined) named.push({ type: resource.Type, name: name.toLowerCase(), where: `${stack.stackName}/${id}` });
    }
  }

  test('no two resources of a type share a physical name', () => {
    const seen = new Map<string, string>();
    const duplicates: string[] = [];
    for (const { type, name, where } of named) {
      const key = `${type} ${name}`;
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
