import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DatabaseAuthentication } from '../src';
import { CLERK_PEM, existingVpc, roleStatements, subnetRefs, synth } from './util';
import { ENV as CONTRACT } from '../src/contract';

const apiFunction = (template: any) => Object.values<any>(template.findResources('AWS::Lambda::Function', {
  Properties: { Description: Match.stringLikeRegexp('API handler') },
}))[0];

describe('network options', () => {
  test('NAT gateways and AZs are configurable', () => {
    const { template } = synth({ natGateways: 3, maxAzs: 3 });
    template.resourceCountIs('AWS::EC2::NatGateway', 3);
    template.resourceCountIs('AWS::EC2::Subnet', 9);
  });

  test('zero NAT gateways: no public subnets, no internet gateway, endpoints carry AWS traffic', () => {
    const { template } = synth({ natGateways: 0, vpcEndpoints: true, clerkJwtKey: CLERK_PEM });
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    const tiers = Object.values<any>(template.findResources('AWS::EC2::Subnet')).map(s =>
      s.Properties.Tags.find((t: any) => t.Key === 'aws-cdk:subnet-type').Value);
    expect(tiers).toEqual(['Isolated', 'Isolated', 'Isolated', 'Isolated']);
  });
});

describe('bastion', () => {
  const { backend, template } = synth({ bastion: true });

  test('SSM-managed, IMDSv2, encrypted root volume, private, no SSH', () => {
    expect(backend.bastion).toBeDefined();
    template.hasResourceProperties('AWS::EC2::Instance', {
      InstanceType: 't4g.nano',
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeSize: 8, VolumeType: 'gp3' } }],
      SubnetId: { Ref: Match.stringLikeRegexp('Application') },
    });
    // IMDSv2 on the instance, and in the launch template it is launched from.
    template.hasResourceProperties('AWS::EC2::Instance', {
      MetadataOptions: { HttpTokens: 'required' },
      LaunchTemplate: { LaunchTemplateId: { Ref: Match.stringLikeRegexp('BastionLaunchTemplate') } },
    });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateName: Match.stringLikeRegexp('^teststack-backend-bastion-[0-9a-f]{8}-bastion$'),
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } },
    });
    const instance = Object.values<any>(template.findResources('AWS::EC2::Instance'))[0];
    expect(instance.Properties.KeyName).toBeUndefined();
    expect(instance.Properties.NetworkInterfaces).toBeUndefined();
    // Session Manager is all the role allows.
    const role = instance.Properties.IamInstanceProfile && Object.values<any>(template.findResources('AWS::IAM::InstanceProfile'))[0].Properties.Roles[0].Ref;
    expect(template.toJSON().Resources[role].Properties.ManagedPolicyArns).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] },
    ]);
    expect(Object.values<any>(template.findResources('AWS::IAM::Policy')).filter(p => p.Properties.Roles.some((r: any) => r.Ref === role))).toEqual([]);
    expect(instance.Properties.Monitoring).toBe(true);
    const ssh = JSON.stringify(template.toJSON()).match(/"FromPort":22\b/);
    expect(ssh).toBeNull();
  });

  test('without NAT the bastion gets Session Manager endpoints', () => {
    const { template: t } = synth({ bastion: true, natGateways: 0, vpcEndpoints: true, clerkJwtKey: CLERK_PEM });
    for (const service of ['ssm', 'ssmmessages', 'ec2messages']) {
      t.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: `com.amazonaws.us-east-1.${service}` });
    }
  });

  test('instance type is configurable', () => {
    const { template: t } = synth({ bastion: true, bastionInstanceType: new ec2.InstanceType('t4g.small') });
    t.hasResourceProperties('AWS::EC2::Instance', { InstanceType: 't4g.small' });
  });
});

describe('database and proxy options', () => {
  test('instance, storage, backups, removal and proxy tunables', () => {
    const { template } = synth({
      databaseEngineVersion: rds.PostgresEngineVersion.VER_16,
      databaseInstanceType: new ec2.InstanceType('r7g.large'),
      databaseName: 'orders',
      databaseUsername: 'owner',
      databaseAllocatedStorage: 50,
      databaseMultiAz: true,
      databaseBackupRetention: Duration.days(14),
      databaseDeletionProtection: false,
      databaseRemovalPolicy: RemovalPolicy.DESTROY,
      proxyIdleClientTimeout: Duration.minutes(10),
      proxyMaxConnectionsPercent: 80,
      proxyMaxIdleConnectionsPercent: 20,
      proxyBorrowTimeout: Duration.seconds(8),
      proxyDebugLogging: true,
    });
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      EngineVersion: '16',
      DBInstanceClass: 'db.r7g.large',
      DBName: 'orders',
      AllocatedStorage: '50',
      MaxAllocatedStorage: 100,
      MultiAZ: true,
      BackupRetentionPeriod: 14,
      DeletionProtection: Match.absent(),
    });
    template.hasResourceProperties('Custom::DeletionProtection', { Enabled: 'false' });
    template.hasResource('AWS::RDS::DBInstance', { DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"owner"}' }),
    });
    template.hasResourceProperties('AWS::RDS::DBProxy', { IdleClientTimeout: 600, DebugLogging: true });
    template.hasResourceProperties('AWS::RDS::DBProxyTargetGroup', {
      ConnectionPoolConfigurationInfo: { ConnectionBorrowTimeout: 8, MaxConnectionsPercent: 80, MaxIdleConnectionsPercent: 20 },
    });
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', { Family: 'postgres16' });
  });

  test('backup plan and enhanced monitoring can be switched off', () => {
    const { template } = synth({ databaseBackupPlan: false, databaseMonitoringInterval: Duration.seconds(0) });
    template.resourceCountIs('AWS::Backup::BackupPlan', 0);
    template.resourceCountIs('AWS::Backup::BackupVault', 0);
    const instance = Object.values<any>(template.findResources('AWS::RDS::DBInstance'))[0];
    expect(instance.Properties.MonitoringInterval ?? 0).toBe(0);
  });

  test('a throwaway stack deletes its fixed-name log groups and its vault', () => {
    const { template } = synth({ databaseDeletionProtection: false, databaseRemovalPolicy: RemovalPolicy.DESTROY });
    const rdsGroups = Object.values<any>(template.findResources('AWS::Logs::LogGroup'))
      .filter(group => JSON.stringify(group.Properties.LogGroupName ?? '').includes('/aws/rds/instance/'));
    expect(rdsGroups.map(group => group.DeletionPolicy)).toEqual(['Delete', 'Delete']);
    template.hasResource('AWS::Backup::BackupVault', { DeletionPolicy: 'Delete' });
  });

  test('secret rotation can be switched off or rescheduled', () => {
    const off = synth({ databaseSecretRotation: false });
    off.template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    expect(off.backend.rotationSecurityGroup).toBeUndefined();
    const weekly = synth({ databaseSecretRotationInterval: Duration.days(7) });
    weekly.template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'rate(7 days)' },
    });
  });

  test('IAM authentication: the function may connect to the proxy as the app role and may read no secret', () => {
    const { stack, backend, template } = synth({ databaseAuthentication: DatabaseAuthentication.IAM });
    template.hasResourceProperties('AWS::RDS::DBProxy', { DefaultAuthScheme: 'IAM_AUTH', Auth: Match.absent() });
    template.hasResourceProperties('AWS::RDS::DBInstance', { EnableIAMDatabaseAuthentication: true });
    const fn = apiFunction(template);
    expect(fn.Properties.Environment.Variables).toMatchObject({ [CONTRACT.DB_AUTH_MODE]: 'iam', [CONTRACT.DB_USER]: 'app' });
    expect(fn.Properties.Environment.Variables[CONTRACT.DB_SECRET_ARN]).toBeUndefined();
    const statements = roleStatements(template, fn);
    expect(JSON.stringify(statements)).not.toContain('secretsmanager');
    expect(statements).toContainEqual(expect.objectContaining({
      Action: 'rds-db:connect',
      Resource: expect.objectContaining({ 'Fn::Join': expect.anything() }),
    }));
    expect(JSON.stringify(statements)).toContain(stack.getLogicalId(backend.proxy.node.defaultChild as any));
  });
});

describe('function options', () => {
  test('memory, timeout, reserved concurrency, log retention, tracing and environment', () => {
    const { template } = synth({
      functionMemorySize: 1024,
      functionTimeout: Duration.seconds(20),
      functionReservedConcurrency: 5,
      functionLogRetention: logs.RetentionDays.ONE_MONTH,
      functionTracing: lambda.Tracing.PASS_THROUGH,
      functionEnvironment: { FEATURE: 'on' },
    });
    const fn = apiFunction(template);
    expect(fn.Properties).toMatchObject({
      MemorySize: 1024,
      Timeout: 20,
      ReservedConcurrentExecutions: 5,
      TracingConfig: { Mode: 'PassThrough' },
    });
    expect(fn.Properties.Environment.Variables.FEATURE).toBe('on');
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('Clerk settings reach the environment by key and by reference, never by secret value', () => {
    const { stack, template } = synth(undefined, s => ({
      clerkJwtKey: CLERK_PEM,
      clerkIssuer: 'https://clerk.example.com',
      clerkSecretKey: new secretsmanager.Secret(s, 'ClerkSecretKey'),
      clerkAuthorizedParties: ['https://app.example.com', 'http://localhost:3000'],
    }));
    const fn = apiFunction(template);
    const clerkSecret = stack.getLogicalId(stack.node.findChild('ClerkSecretKey').node.defaultChild as any);
    expect(fn.Properties.Environment.Variables).toMatchObject({
      [CONTRACT.CLERK_JWT_KEY]: CLERK_PEM,
      [CONTRACT.CLERK_ISSUER]: 'https://clerk.example.com',
      [CONTRACT.CLERK_SECRET_KEY_ARN]: { Ref: clerkSecret },
      [CONTRACT.CLERK_AUTHORIZED_PARTIES]: 'https://app.example.com,http://localhost:3000',
    });
    const statements = roleStatements(template, fn);
    expect(statements).toContainEqual(expect.objectContaining({ Resource: { Ref: clerkSecret } }));
  });

  test('your own code replaces the default asset and keeps placement, environment and grants', () => {
    const defaults = apiFunction(synth().template);
    const { template } = synth({
      functionCode: lambda.Code.fromInline('exports.handler = async () => ({ ok: true });'),
      functionHandler: 'index.handler',
      functionRuntime: lambda.Runtime.NODEJS_22_X,
    });
    const fn = apiFunction(template);
    expect(fn.Properties.Code).toEqual({ ZipFile: 'exports.handler = async () => ({ ok: true });' });
    expect(JSON.stringify(template.toJSON())).not.toContain(defaults.Properties.Code.S3Key);
    expect(fn.Properties.Runtime).toBe('nodejs22.x');
    expect(fn.Properties.VpcConfig).toEqual(defaults.Properties.VpcConfig);
    expect(Object.keys(fn.Properties.Environment.Variables).sort()).toEqual(
      Object.keys(defaults.Properties.Environment.Variables).filter(k => k !== 'AWS_NODEJS_CONNECTION_REUSE_ENABLED').sort());
    // The function's own role, not another's (the migration function reads secrets too).
    const appSecret = fn.Properties.Environment.Variables.DB_SECRET_ARN;
    expect(appSecret).toEqual(defaults.Properties.Environment.Variables.DB_SECRET_ARN);
    expect(roleStatements(template, fn)).toContainEqual(expect.objectContaining({
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: appSecret,
    }));
  });
});

describe('bring-your-own VPC', () => {
  test('uses the VPC as given: no new VPC, database in its isolated subnets, function in its private ones', () => {
    const { stack, template } = synth(undefined, s => ({ vpc: existingVpc(s) }));
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::FlowLog', 0);
    const subnets = (name: string) => subnetRefs(template, name);
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: subnets('data') });
    template.hasResourceProperties('AWS::RDS::DBProxy', { VpcSubnetIds: subnets('app') });
    expect(apiFunction(template).Properties.VpcConfig.SubnetIds).toEqual(subnets('app'));
    expect(stack.node.tryFindChild('Backend')!.node.tryFindChild('Network')!.node.tryFindChild('Vpc')).toBeUndefined();
  });

  test('explicit subnet selections pick the tiers', () => {
    const { template } = synth(undefined, s => ({
      vpc: existingVpc(s, [
        { name: 'ingress', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        { name: 'other', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        { name: 'archive', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ]),
      applicationSubnets: { subnetGroupName: 'other' },
      databaseSubnets: { subnetGroupName: 'archive' },
    }));
    const subnets = (name: string) => subnetRefs(template, name);
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: subnets('archive') });
    expect(apiFunction(template).Properties.VpcConfig.SubnetIds).toEqual(subnets('other'));
  });

  test('a VPC imported by attributes works too', () => {
    const { template } = synth(undefined, s => ({
      vpc: ec2.Vpc.fromVpcAttributes(s, 'Imported', {
        vpcId: 'vpc-1234',
        availabilityZones: ['us-east-1a', 'us-east-1b'],
        privateSubnetIds: ['subnet-p1', 'subnet-p2'],
        isolatedSubnetIds: ['subnet-i1', 'subnet-i2'],
      }),
    }));
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: ['subnet-i1', 'subnet-i2'] });
    template.hasResourceProperties('AWS::RDS::DBProxy', { VpcSubnetIds: ['subnet-p1', 'subnet-p2'] });
  });
});
