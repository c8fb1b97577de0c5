import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DatabaseAuthentication, Migrations, SecureDatabase, SecureLambdaPostgres, SecureLambdaPostgresProps } from '../src';
import { ENV as CONTRACT } from '../src/contract';
import { makeTempDir, removeDir } from './harness/util';
import { ENV, roleStatements, synth } from './util';

const ref = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => ({ Ref: stack.getLogicalId(construct.node.defaultChild as any) });
const resource = (template: Template, stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  template.toJSON().Resources[stack.getLogicalId(construct.node.defaultChild as any)];
const apiFunction = (template: Template) => Object.values<any>(template.findResources('AWS::Lambda::Function', {
  Properties: { Description: Match.stringLikeRegexp('API handler') },
}))[0];

let dir: string;
const migrationsDir = (files: Record<string, string>): string => {
  const d = path.join(dir, `m${fs.readdirSync(dir).length}`);
  fs.mkdirSync(d);
  for (const [name, sql] of Object.entries(files)) {
    if (name.endsWith('/')) fs.mkdirSync(path.join(d, name));
    else fs.writeFileSync(path.join(d, name), sql);
  }
  return d;
};
beforeAll(() => {
  dir = makeTempDir('construct-migrations');
});
afterAll(() => removeDir(dir));

describe('three roles with credentials of their own', () => {
  const { stack, backend, template } = synth();

  test("the function's role can read the app role's secret only: not the master's, not the owner's", () => {
    const statements = roleStatements(template, apiFunction(template));
    const secretResources = statements.filter(s => JSON.stringify(s.Action).includes('secretsmanager')).map(s => s.Resource);
    expect(secretResources).toEqual([ref(stack, backend.appSecret!)]);
    for (const other of [backend.secret, backend.ownerSecret]) {
      expect(JSON.stringify(statements)).not.toContain(stack.getLogicalId(other.node.defaultChild as any));
    }
    // Nor through a resource policy: the secrets' only policies deny deleting them.
    const policies = Object.values<any>(template.findResources('AWS::SecretsManager::ResourcePolicy'));
    expect(policies.flatMap(p => p.Properties.ResourcePolicy.Statement).map(s => [s.Effect, s.Action])).toEqual(policies.map(() => ['Deny', 'secretsmanager:DeleteSecret']));
  });

  test('owner and app secrets are generated, encrypted with the key, and carry what rotation connects with', () => {
    for (const [secret, username] of [[backend.ownerSecret, 'app_owner'], [backend.appSecret!, 'app']] as const) {
      const attachment = resource(template, stack, secret);
      expect(attachment.Type).toBe('AWS::SecretsManager::SecretTargetAttachment');
      expect(attachment.Properties.TargetType).toBe('AWS::RDS::DBInstance');
      const generated = template.toJSON().Resources[attachment.Properties.SecretId.Ref];
      expect(generated.Properties.GenerateSecretString).toMatchObject({ SecretStringTemplate: JSON.stringify({ username, dbname: 'app' }), GenerateStringKey: 'password' });
      expect(generated.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(backend.encryptionKey.node.defaultChild as any), 'Arn'] });
    }
  });

  test('the proxy serves the app role only', () => {
    const proxy = resource(template, stack, backend.proxy);
    expect(proxy.Properties.Auth).toEqual([expect.objectContaining({ SecretArn: ref(stack, backend.appSecret!) })]);
    expect(proxy.Properties.DefaultAuthScheme).toBeUndefined();
  });

  test('rotation of each secret starts only after the roles exist', () => {
    const trigger = stack.getLogicalId(backend.database.migrationTrigger!.node.findChild('Default').node.defaultChild as any);
    const schedules = Object.values<any>(template.findResources('AWS::SecretsManager::RotationSchedule'));
    expect(schedules).toHaveLength(3);
    for (const schedule of schedules) expect(schedule.DependsOn).toContain(trigger);
  });

  test('the database reports its roles', () => {
    expect([backend.database.username, backend.database.ownerUsername, backend.database.schemaName]).toEqual(['app', 'app_owner', 'app']);
    expect(SecureDatabase.MIGRATION_CONNECTIONS).toBe(1);
  });
});

describe('the migration function', () => {
  const { stack, backend, template } = synth();
  const fn = resource(template, stack, backend.migrationFunction);
  const trigger = Object.entries<any>(template.findResources('Custom::Trigger'));

  test('runs in the application subnets behind its own group, with the migration contract', () => {
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Timeout: 600, MemorySize: 256, TracingConfig: { Mode: 'Active' } });
    expect(fn.Properties.VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [stack.getLogicalId(backend.migrationSecurityGroup.node.defaultChild as any), 'GroupId'] }]);
    expect(fn.Properties.VpcConfig.SubnetIds).toEqual(apiFunction(template).Properties.VpcConfig.SubnetIds);
    expect(fn.Properties.Environment.Variables).toEqual({
      AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
      NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      [CONTRACT.MIGRATION_DB_HOST]: { 'Fn::GetAtt': [stack.getLogicalId(backend.databaseInstance.node.defaultChild as any), 'Endpoint.Address'] },
      [CONTRACT.MIGRATION_DB_PORT]: '5432',
      [CONTRACT.MIGRATION_DB_NAME]: 'app',
      [CONTRACT.MIGRATION_SCHEMA]: 'app',
      [CONTRACT.MIGRATION_MASTER_SECRET_ARN]: ref(stack, backend.secret),
      [CONTRACT.MIGRATION_OWNER_SECRET_ARN]: ref(stack, backend.ownerSecret),
      [CONTRACT.MIGRATION_APP_SECRET_ARN]: ref(stack, backend.appSecret!),
      [CONTRACT.MIGRATION_APP_USER]: 'app',
      [CONTRACT.MIGRATION_APP_AUTH_MODE]: 'password',
      [CONTRACT.MIGRATION_APP_STATEMENT_TIMEOUT_MS]: '10000',
      [CONTRACT.MIGRATION_APP_IDLE_IN_TRANSACTION_TIMEOUT_MS]: '10000',
    });
    expect(fn.Properties.Layers).toBeUndefined();
  });

  test('may read the master, owner and app secrets, and nothing else', () => {
    const statements = roleStatements(template, fn).filter(s => JSON.stringify(s.Action).includes('secretsmanager'));
    expect(statements.map(s => s.Resource)).toEqual([backend.secret, backend.ownerSecret, backend.appSecret!].map(s => ref(stack, s)));
  });

  test('is run by a trigger after the instance and its rules, before the API function', () => {
    expect(trigger).toHaveLength(1);
    const [triggerId, props] = trigger[0];
    expect(props.Properties).toMatchObject({ InvocationType: 'RequestResponse', Timeout: String(11 * 60 * 1000), ExecuteOnHandlerChange: true });
    expect(props.Properties.HandlerArn).toEqual({ Ref: expect.stringMatching(/^BackendDatabaseMigrationCurrentVersion/) });
    // Versions the trigger has moved past are deleted, not kept for ever.
    expect(template.toJSON().Resources[props.Properties.HandlerArn.Ref]).toMatchObject({ Type: 'AWS::Lambda::Version', DeletionPolicy: 'Delete' });
    const instance = stack.getLogicalId(backend.databaseInstance.node.defaultChild as any);
    const migrationGroup = stack.getLogicalId(backend.migrationSecurityGroup.node.defaultChild as any);
    const ingress = Object.entries<any>(template.findResources('AWS::EC2::SecurityGroupIngress'))
      .filter(([, r]) => JSON.stringify(r.Properties.SourceSecurityGroupId).includes(migrationGroup))
      .map(([id]) => id);
    expect(ingress).toHaveLength(1);
    expect(props.DependsOn).toEqual(expect.arrayContaining([instance, ...ingress]));
    expect(apiFunction(template).DependsOn).toContain(triggerId);
    // The proxy switches to the app role only once it exists.
    expect(resource(template, stack, backend.proxy).DependsOn).toContain(triggerId);
  });

  test("CDK's trigger provider is marked for checkov, with the reason", () => {
    const provider = template.toJSON().Resources.AWSCDKTriggerCustomResourceProviderCustomResourceProviderHandler97BECD91;
    expect(provider.Metadata.checkov.skip.map((s: any) => s.id)).toEqual(['CKV_AWS_115', 'CKV_AWS_116', 'CKV_AWS_117']);
  });
});

describe('migrations', () => {
  const build = (props: SecureLambdaPostgresProps) => synth(props);

  test('the files are a layer of the function; a changed file makes a new version, and so a new run', () => {
    const files = { '0001_init.sql': 'CREATE TABLE t (id int);', '0002_more.sql': 'ALTER TABLE t ADD COLUMN x int;' };
    const migrations = Migrations.fromDirectory(migrationsDir(files));
    expect(migrations.fileNames).toEqual(['0001_init.sql', '0002_more.sql']);
    const first = build({ migrations });
    const fn = resource(first.template, first.stack, first.backend.migrationFunction);
    expect(fn.Properties.Layers).toHaveLength(1);
    expect(fn.Properties.Environment.Variables).toMatchObject({ [CONTRACT.MIGRATION_DIR]: '/opt', [CONTRACT.MIGRATION_SET_CHECKSUM]: expect.stringMatching(/^[0-9a-f]{64}$/) });
    first.template.hasResourceProperties('AWS::Lambda::LayerVersion', { CompatibleArchitectures: ['arm64'], Description: 'Schema migrations (2 files)' });

    const handlerArn = (t: Template) => Object.values<any>(t.findResources('Custom::Trigger'))[0].Properties.HandlerArn;
    expect(handlerArn(build({ migrations: Migrations.fromDirectory(migrationsDir(files)) }).template)).toEqual(handlerArn(first.template));
    const changed = build({ migrations: Migrations.fromDirectory(migrationsDir({ ...files, '0002_more.sql': 'ALTER TABLE t ADD COLUMN y int;' })) });
    expect(handlerArn(changed.template)).not.toEqual(handlerArn(first.template));
  });

  test.each([
    ['an empty directory', {}, /Migrations\.fromDirectory: The migrations directory '.*' has no \.sql files: add one \(Name each file <number>_<description>\.sql .*\), or leave out the migrations prop\./],
    ['a file that is not .sql', { '0001_init.sql': '', 'README.md': '' }, /holds 'README\.md', which is not a \.sql file: keep only migration files there/],
    ['a nested directory', { '0001_init.sql': '', 'old/': '' }, /holds 'old' \(a directory\), which is not a \.sql file/],
    ['a name without a number', { 'init.sql': '' }, /'init\.sql' is not a migration file name\. Name each file <number>_<description>\.sql \(for example 0001_create_users\.sql\)/],
    ['two files with one number', { '0001_a.sql': '', '1_b.sql': '' }, /'0001_a\.sql' and '1_b\.sql' share the number 1: give each migration its own number/],
  ])('fail at synth with %s', (_what, files, message) => {
    expect(() => Migrations.fromDirectory(migrationsDir(files))).toThrow(message);
  });

  test('fail at synth for a directory that does not exist', () => {
    expect(() => Migrations.fromDirectory(path.join(dir, 'nope'))).toThrow(/Cannot read the migrations directory '.*nope' \(ENOENT\): pass the path of a directory of \.sql files\./);
  });
});

describe('role names', () => {
  test.each<[SecureLambdaPostgresProps, RegExp]>([
    [{ databaseAppUsername: 'App' }, /databaseAppUsername must be a lower-case PostgreSQL name of at most 63 characters .*, got 'App'/],
    [{ databaseOwnerUsername: 'pg_owner' }, /databaseOwnerUsername 'pg_owner' is reserved by PostgreSQL or Amazon RDS/],
    [{ databaseSchemaName: 'public' }, /databaseSchemaName 'public' is reserved/],
    [{ databaseSchemaName: 's'.repeat(53) }, /databaseSchemaName must be .* at most 52 characters/],
    [{ databaseAppUsername: 'app_admin' }, /databaseUsername \(the master\) and databaseAppUsername are both 'app_admin': the master, owner and app roles must be three different roles/],
    [{ databaseOwnerUsername: 'api', databaseAppUsername: 'api' }, /databaseOwnerUsername and databaseAppUsername are both 'api'/],
  ])('fail at synth: %j', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  test('databaseUsername names the master user, the well-known one included', () => {
    const { template } = synth({ databaseUsername: 'postgres' });
    template.hasResourceProperties('AWS::RDS::DBInstance', { MasterUsername: 'postgres' });
  });

  test('are configurable', () => {
    const { stack, backend, template } = synth({ databaseAppUsername: 'api', databaseOwnerUsername: 'api_owner', databaseSchemaName: 'shop' });
    expect(apiFunction(template).Properties.Environment.Variables[CONTRACT.DB_USER]).toBe('api');
    expect(resource(template, stack, backend.migrationFunction).Properties.Environment.Variables).toMatchObject({
      [CONTRACT.MIGRATION_APP_USER]: 'api', [CONTRACT.MIGRATION_SCHEMA]: 'shop',
    });
  });
});

describe('IAM authentication end to end', () => {
  const { stack, backend, template } = synth({ databaseAuthentication: DatabaseAuthentication.IAM });
  const dbuser = (resourceId: any) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':rds-db:us-east-1:123456789012:dbuser:', resourceId, '/app']] });

  test('the proxy logs in to the instance with IAM, as the app role: rds-db:connect on the instance for it', () => {
    const proxy = resource(template, stack, backend.proxy);
    expect(proxy.Properties.DefaultAuthScheme).toBe('IAM_AUTH');
    expect(proxy.Properties.Auth).toBeUndefined();
    const role = proxy.Properties.RoleArn['Fn::GetAtt'][0];
    const statements = Object.values<any>(template.findResources('AWS::IAM::Policy'))
      .filter(p => p.Properties.Roles.some((r: any) => r.Ref === role)).flatMap(p => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual([{
      Action: 'rds-db:connect',
      Effect: 'Allow',
      Resource: dbuser({ 'Fn::GetAtt': [stack.getLogicalId(backend.databaseInstance.node.defaultChild as any), 'DbiResourceId'] }),
    }]);
  });

  test('the function may connect to the proxy as the app role only, and read no secret', () => {
    const statements = roleStatements(template, apiFunction(template));
    expect(JSON.stringify(statements)).not.toContain('secretsmanager');
    const connect = statements.filter(s => s.Action === 'rds-db:connect');
    expect(connect).toHaveLength(1);
    expect(JSON.stringify(connect[0].Resource)).toMatch(/:dbuser:.*\/app"\]\]\}$/);
    expect(JSON.stringify(connect[0].Resource)).toContain(stack.getLogicalId(backend.proxy.node.defaultChild as any));
  });

  test('no secret exists for the app role; the migration function grants it rds_iam', () => {
    expect(backend.appSecret).toBeUndefined();
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    const env = resource(template, stack, backend.migrationFunction).Properties.Environment.Variables;
    expect(env[CONTRACT.MIGRATION_APP_AUTH_MODE]).toBe('iam');
    expect(env[CONTRACT.MIGRATION_APP_SECRET_ARN]).toBeUndefined();
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 2);
  });
});

test('templates are deterministic: two synths are identical', () => {
  const files = migrationsDir({ '1_a.sql': 'SELECT 1;' });
  const once = () => {
    const stack = new Stack(new App(), 'TestStack', { env: ENV });
    new SecureLambdaPostgres(stack, 'Backend', { migrations: Migrations.fromDirectory(files) });
    return JSON.stringify(Template.fromStack(stack).toJSON());
  };
  expect(once()).toEqual(once());
});
