import { Match } from 'aws-cdk-lib/assertions';
import { evaluateName } from '../lifecycle/physical-names';
import { roleStatements, synth } from '../util';
import { ENV as CONTRACT } from '../../src/contract';

describe('SecureLambdaPostgres with default props', () => {
  const { stack, backend, template } = synth();
  const json = template.toJSON();

  describe('network', () => {
    test('three subnet tiers over two availability zones', () => {
      const tiers = Object.values<any>(template.findResources('AWS::EC2::Subnet')).map(s =>
        s.Properties.Tags.find((t: any) => t.Key === 'aws-cdk:subnet-type').Value);
      expect(tiers.sort()).toEqual(['Isolated', 'Isolated', 'Private', 'Private', 'Public', 'Public']);
      const azs = new Set(Object.values<any>(template.findResources('AWS::EC2::Subnet')).map(s => JSON.stringify(s.Properties.AvailabilityZone)));
      expect(azs.size).toBe(2);
    });

    test('one NAT gateway, no public IP assigned on launch anywhere', () => {
      template.resourceCountIs('AWS::EC2::NatGateway', 1);
      for (const subnet of Object.values<any>(template.findResources('AWS::EC2::Subnet'))) {
        expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
      }
    });

    test('isolated subnets have no route out', () => {
      const isolated = Object.entries<any>(template.findResources('AWS::EC2::Subnet'))
        .filter(([, s]) => s.Properties.Tags.some((t: any) => t.Value === 'Isolated')).map(([id]) => id);
      const tables = Object.values<any>(template.findResources('AWS::EC2::SubnetRouteTableAssociation'))
        .filter(a => isolated.includes(a.Properties.SubnetId.Ref)).map(a => a.Properties.RouteTableId.Ref);
      expect(tables).toHaveLength(2);
      const routes = Object.values<any>(template.findResources('AWS::EC2::Route'))
        .filter(r => tables.includes(r.Properties.RouteTableId.Ref));
      expect(routes).toEqual([]);
    });

    test('flow logs of all traffic into an encrypted log group kept one year', () => {
      template.hasResourceProperties('AWS::EC2::FlowLog', {
        ResourceType: 'VPC',
        TrafficType: 'ALL',
        LogDestinationType: 'cloud-watch-logs',
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        RetentionInDays: 365,
        KmsKeyId: { 'Fn::GetAtt': [stack.getLogicalId(backend.encryptionKey.node.defaultChild as any), 'Arn'] },
      });
    });

    test("the VPC's default security group is stripped of its rules", () => {
      template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
    });
  });

  describe('database', () => {
    test('PostgreSQL 18 on t4g.micro, isolated, private, encrypted, protected', () => {
      template.hasResourceProperties('AWS::RDS::DBInstance', {
        Engine: 'postgres',
        EngineVersion: '18',
        DBInstanceClass: 'db.t4g.micro',
        PubliclyAccessible: false,
        StorageEncrypted: true,
        KmsKeyId: Match.anyValue(),
        // Switched on by the custom resource below, so that a failed first create can roll back.
        DeletionProtection: Match.absent(),
        BackupRetentionPeriod: 7,
        EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
        DBName: 'app',
        Port: '5432',
        MultiAZ: false,
        StorageType: 'gp3',
        CACertificateIdentifier: 'rds-ca-rsa2048-g1',
      });
      template.hasResource('AWS::RDS::DBInstance', { DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot' });
    });

    test('the subnet group holds the isolated subnets only', () => {
      const isolated = Object.entries<any>(template.findResources('AWS::EC2::Subnet'))
        .filter(([, s]) => s.Properties.Tags.some((t: any) => t.Value === 'Isolated')).map(([id]) => ({ Ref: id }));
      template.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: isolated });
    });

    test('the parameter group forces TLS', () => {
      template.hasResourceProperties('AWS::RDS::DBParameterGroup', {
        Family: 'postgres18',
        Parameters: { 'rds.force_ssl': '1' },
      });
    });

    test("the master user is not the engine's well-known name (AWS Control Tower CT.RDS.PR.22)", () => {
      template.hasResourceProperties('AWS::RDS::DBInstance', { MasterUsername: 'app_admin' });
    });

    test('credentials are generated into an encrypted secret, never written in the template', () => {
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password', SecretStringTemplate: '{"username":"app_admin"}' }),
        KmsKeyId: Match.anyValue(),
      });
      const instance = Object.values<any>(template.findResources('AWS::RDS::DBInstance'))[0];
      expect(JSON.stringify(instance.Properties.MasterUserPassword)).toContain('resolve:secretsmanager');
      expect(JSON.stringify(json)).not.toMatch(/"MasterUserPassword":"[^{]/);
    });

    test('the master, owner and app secrets rotate every 30 days', () => {
      const schedules = Object.values<any>(template.findResources('AWS::SecretsManager::RotationSchedule'));
      expect(schedules.map(r => r.Properties.SecretId)).toEqual([backend.secret, backend.ownerSecret, backend.appSecret!]
        .map(secret => ({ Ref: stack.getLogicalId(secret.node.defaultChild as any) })));
      for (const schedule of schedules) expect(schedule.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(30 days)' });
      template.resourceCountIs('AWS::Serverless::Application', 3);
    });

    test('deletion protection is switched on by a custom resource once the instance exists', () => {
      const [instanceId] = Object.keys(template.findResources('AWS::RDS::DBInstance'));
      template.hasResourceProperties('Custom::DeletionProtection', { DBInstanceIdentifier: { Ref: instanceId }, Enabled: 'true' });
    });

    test('PostgreSQL logs go to encrypted groups kept one year, created before the instance', () => {
      const instance = Object.entries<any>(template.findResources('AWS::RDS::DBInstance'))[0];
      const context = { stackName: 'TestStack', stackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/TestStack/6f1c2a3e-0000-4000-8000-0123456789ab', region: 'us-east-1', account: '123456789012' };
      const identifier = evaluateName(instance[1].Properties.DBInstanceIdentifier, context);
      // The last group of the stack id's UUID: new for every creation of the stack.
      expect(identifier).toMatch(/^[a-z][a-z0-9-]{0,49}-0123456789ab$/);
      for (const log of ['postgresql', 'upgrade']) {
        const [id] = Object.entries<any>(template.findResources('AWS::Logs::LogGroup'))
          .filter(([, group]) => evaluateName(group.Properties.LogGroupName, context) === `/aws/rds/instance/${identifier}/${log}`)[0];
        expect(json.Resources[id].Properties).toMatchObject({ RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [stack.getLogicalId(backend.encryptionKey.node.defaultChild as any), 'Arn'] } });
        expect(instance[1].DependsOn).toContain(id);
      }
      template.resourceCountIs('Custom::LogRetention', 0);
    });

    test('enhanced monitoring every 60 seconds', () => {
      template.hasResourceProperties('AWS::RDS::DBInstance', { MonitoringInterval: 60, MonitoringRoleArn: Match.anyValue() });
    });

    test('AWS Backup takes daily backups into a vault encrypted with the key', () => {
      template.hasResourceProperties('AWS::Backup::BackupVault', {
        EncryptionKeyArn: { 'Fn::GetAtt': [stack.getLogicalId(backend.encryptionKey.node.defaultChild as any), 'Arn'] },
      });
      template.hasResourceProperties('AWS::Backup::BackupPlan', {
        BackupPlan: { BackupPlanRule: [Match.objectLike({ RuleName: 'Daily', Lifecycle: { DeleteAfterDays: 35 } })] },
      });
      template.hasResourceProperties('AWS::Backup::BackupSelection', {
        BackupSelection: Match.objectLike({ Resources: [Match.objectLike({ 'Fn::Join': Match.anyValue() })] }),
      });
    });

    test('the key rotates', () => {
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      template.resourceCountIs('AWS::KMS::Key', 1);
    });
  });

  describe('proxy', () => {
    test('requires TLS, authenticates with the app role\'s secret only, sits in the private subnets', () => {
      const privateSubnets = Object.entries<any>(template.findResources('AWS::EC2::Subnet'))
        .filter(([, s]) => s.Properties.Tags.some((t: any) => t.Value === 'Private')).map(([id]) => ({ Ref: id }));
      template.hasResourceProperties('AWS::RDS::DBProxy', {
        EngineFamily: 'POSTGRESQL',
        RequireTLS: true,
        IdleClientTimeout: 1800,
        DebugLogging: false,
        VpcSubnetIds: privateSubnets,
        Auth: [Match.objectLike({
          AuthScheme: 'SECRETS',
          IAMAuth: 'DISABLED',
          SecretArn: { Ref: stack.getLogicalId(backend.appSecret!.node.defaultChild as any) },
          ClientPasswordAuthType: 'POSTGRES_SCRAM_SHA_256',
        })],
      });
      template.hasResourceProperties('AWS::RDS::DBProxyTargetGroup', {
        ConnectionPoolConfigurationInfo: {
          // Half the function's 10 s timeout: the proxy gives up while the handler can still answer 503.
          ConnectionBorrowTimeout: 5,
          MaxConnectionsPercent: 100,
          MaxIdleConnectionsPercent: 50,
        },
      });
    });
  });

  describe('function', () => {
    const functions = template.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('API handler') },
    });
    const fn = Object.values<any>(functions)[0];

    test('Node.js 24 on arm64 in the private subnets with the bundled handler', () => {
      expect(Object.keys(functions)).toHaveLength(1);
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 512,
        Timeout: 10,
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON' },
      });
      expect(fn.Properties.Code.S3Key).toMatch(/\.zip$/);
      expect(fn.Properties.Code.ZipFile).toBeUndefined();
      expect(fn.Properties.VpcConfig.SubnetIds).toHaveLength(2);
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    });

    test('environment carries the connection contract and no secret values', () => {
      const env = fn.Properties.Environment.Variables;
      expect(env).toMatchObject({
        [CONTRACT.DB_HOST]: { 'Fn::GetAtt': [stack.getLogicalId(backend.proxy.node.defaultChild as any), 'Endpoint'] },
        [CONTRACT.DB_PORT]: '5432',
        [CONTRACT.DB_NAME]: 'app',
        [CONTRACT.DB_USER]: 'app',
        [CONTRACT.DB_AUTH_MODE]: 'password',
        [CONTRACT.DB_SECRET_ARN]: { Ref: stack.getLogicalId(backend.appSecret!.node.defaultChild as any) },
        [CONTRACT.FUNCTION_TIMEOUT_MS]: '10000',
      });
      expect(JSON.stringify(env)).not.toMatch(/resolve:secretsmanager|password"\s*:/i);
    });

    test('may read the app role\'s secret and nothing broader', () => {
      const statements = roleStatements(template, fn);
      const secretStatement = statements.find((s: any) => JSON.stringify(s.Action).includes('secretsmanager'));
      expect(secretStatement).toEqual({
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Effect: 'Allow',
        Resource: { Ref: stack.getLogicalId(backend.appSecret!.node.defaultChild as any) },
      });
      for (const s of statements) {
        expect(JSON.stringify(s.Action)).not.toMatch(/"[\w-]+:\*"/);
        // X-Ray trace upload cannot be scoped to a resource; nothing else may use '*'.
        if (s.Resource === '*') expect(s.Action).toEqual(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
      }
      expect(statements).toHaveLength(2);
    });

    test('logs to its own encrypted log group kept one year', () => {
      const logGroup = fn.Properties.LoggingConfig.LogGroup.Ref;
      expect(json.Resources[logGroup].Properties).toEqual({
        RetentionInDays: 365,
        KmsKeyId: { 'Fn::GetAtt': [stack.getLogicalId(backend.encryptionKey.node.defaultChild as any), 'Arn'] },
      });
    });
  });

  describe('API', () => {
    test('the stage is throttled, traced and access-logged without request bodies', () => {
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: 'prod',
        TracingEnabled: true,
        AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
        MethodSettings: [Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        })],
      });
    });

    test('apiUrl points at the stage', () => {
      expect(stack.resolve(backend.apiUrl)).toEqual({
        'Fn::Join': ['', [
          'https://', { Ref: stack.getLogicalId(backend.api.node.defaultChild as any) },
          '.execute-api.us-east-1.', { Ref: 'AWS::URLSuffix' },
          '/', { Ref: stack.getLogicalId(backend.api.deploymentStage.node.defaultChild as any) }, '/',
        ]],
      });
    });
  });

  test('no bastion and no endpoints unless asked for', () => {
    expect(backend.bastion).toBeUndefined();
    expect(backend.endpoints).toBeUndefined();
    template.resourceCountIs('AWS::EC2::Instance', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
  });
});
