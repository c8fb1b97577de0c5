/**
 * The key policies of the keys the constructs create: only AWS services may create grants on them
 * (AWS Control Tower CT.KMS.PR.3), and every service that encrypts with the key still reaches it —
 * through the service, whose grants carry `kms:GrantIsForAWSResource`, or as a service principal.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { SecureDatabase } from '../../src';
import { ENV, existingVpc, synth } from '../util';

type Statement = Record<string, any>;
type Context = Record<string, string>;

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/**
 * The Control Tower proactive rule `kms_create_grant_aws_service_check`, as published: some
 * statement denies `kms:CreateGrant` to every principal on every resource when both
 * `kms:GrantIsForAWSResource` and `aws:PrincipalIsAWSService` are false, with `BoolIfExists` and
 * nothing else in the condition.
 * https://docs.aws.amazon.com/controltower/latest/controlreference/kms-rules.html#ct-kms-pr-3-description
 */
function passesCtKmsPr3(statement: Statement): boolean {
  const condition = statement.Condition ?? {};
  const bool = condition.BoolIfExists ?? {};
  return statement.Effect === 'Deny'
    && list(statement.Action).every(a => a === 'kms:CreateGrant')
    && (statement.Principal === '*' || statement.Principal?.AWS === '*')
    && list(statement.Resource).every(r => r === '*')
    && Object.keys(condition).join() === 'BoolIfExists'
    && Object.keys(bool).every(k => ['kms:GrantIsForAWSResource', 'aws:PrincipalIsAWSService'].includes(k))
    && bool['kms:GrantIsForAWSResource'] === 'false' && bool['aws:PrincipalIsAWSService'] === 'false';
}

/**
 * Whether a Deny statement matches a request, with IAM's condition semantics: all operators and
 * keys must match; `…IfExists` matches when the key is absent, a plain operator does not.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists
 */
function denies(statement: Statement, action: string, context: Context): boolean {
  if (!list(statement.Action).includes(action)) return false;
  return Object.entries<Record<string, string>>(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      if (!(key in context)) return operator.endsWith('IfExists');
      return context[key] === expected;
    }));
}

function keyStatements(template: Template): Statement[][] {
  return Object.values<any>(template.findResources('AWS::KMS::Key')).map(k => k.Properties.KeyPolicy.Statement);
}

function databaseOnly(): Template {
  const stack = new Stack(new App(), 'DatabaseOnly', { env: ENV });
  new SecureDatabase(stack, 'Database', {
    vpc: existingVpc(stack),
    databaseSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    proxySubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
  });
  return Template.fromStack(stack);
}

const TEMPLATES: Array<[string, () => Template]> = [
  ['SecureLambdaPostgres, default props', () => synth().template],
  ['SecureLambdaPostgres, every option on', () => synth({ vpcEndpoints: true, bastion: true }).template],
  ['SecureDatabase alone', databaseOnly],
];

describe.each(TEMPLATES)('%s', (_name, build) => {
  const template = build();
  const keys = keyStatements(template);

  test('every key the construct creates denies grants that are not for an AWS resource (CT.KMS.PR.3)', () => {
    expect(keys.length).toBe(1);
    for (const statements of keys) expect(statements.filter(passesCtKmsPr3)).toHaveLength(1);
  });

  test('the deny stops a principal calling CreateGrant itself, and no service creating a grant for its resource', () => {
    const [deny] = keys[0].filter(passesCtKmsPr3);
    // A user or role calling CreateGrant directly: the request carries the key as false.
    expect(denies(deny, 'kms:CreateGrant', { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' })).toBe(true);
    // BoolIfExists: a request without the key is denied too (a plain Bool would let it through).
    expect(denies(deny, 'kms:CreateGrant', { 'aws:PrincipalIsAWSService': 'false' })).toBe(true);
    // RDS, Secrets Manager, Lambda and AWS Backup creating a grant on the caller's behalf.
    expect(denies(deny, 'kms:CreateGrant', { 'kms:GrantIsForAWSResource': 'true', 'aws:PrincipalIsAWSService': 'false' })).toBe(false);
    // A service principal calling as itself.
    expect(denies(deny, 'kms:CreateGrant', { 'aws:PrincipalIsAWSService': 'true' })).toBe(false);
    // Nothing but CreateGrant: encryption and decryption stay governed by the Allow statements.
    expect(denies(deny, 'kms:Decrypt', { 'aws:PrincipalIsAWSService': 'false' })).toBe(false);
  });

  test('no statement of ours allows a direct CreateGrant: only through Secrets Manager, or the account root', () => {
    const policies = Object.values<any>(template.findResources('AWS::IAM::Policy')).flatMap(p => p.Properties.PolicyDocument.Statement);
    const allows = [...keys[0], ...policies].filter(s => s.Effect === 'Allow' && list(s.Action).some(a => a === 'kms:CreateGrant' || a === 'kms:*'));
    for (const statement of allows) {
      // The root statement delegates to IAM; the deny above bounds what IAM may grant.
      const root = list(statement.Action).includes('kms:*') && JSON.stringify(statement.Principal).includes(':root');
      if (root) continue;
      expect(statement.Condition).toEqual({ StringEquals: { 'kms:ViaService': expect.stringMatching(/^secretsmanager\./) } });
    }
  });

  test('the services that encrypt with the key reach it through the service', () => {
    const key = Object.keys(template.findResources('AWS::KMS::Key'))[0];
    const arn = { 'Fn::GetAtt': [key, 'Arn'] };
    // RDS storage: RDS creates the grant when it creates the instance (for the CloudFormation caller).
    template.hasResourceProperties('AWS::RDS::DBInstance', { StorageEncrypted: true, KmsKeyId: arn });
    // Secrets Manager: the secrets name the key; their readers decrypt only via Secrets Manager.
    for (const secret of Object.values<any>(template.findResources('AWS::SecretsManager::Secret'))) {
      expect(secret.Properties.KmsKeyId).toEqual(arn);
    }
    const decrypters = keys[0].filter(s => s.Effect === 'Allow' && list(s.Action).includes('kms:Decrypt') && s.Principal?.AWS?.['Fn::GetAtt']);
    expect(decrypters.length).toBeGreaterThan(0);
    for (const s of decrypters) expect(s.Condition).toEqual({ StringEquals: { 'kms:ViaService': expect.stringMatching(/^secretsmanager\./) } });
    // AWS Backup: the vault names the key; Backup creates its grants itself.
    template.hasResourceProperties('AWS::Backup::BackupVault', { EncryptionKeyArn: arn });
  });
});

test('the functions encrypt their environment with the key: Lambda creates that grant itself', () => {
  const { template } = synth();
  const key = Object.keys(template.findResources('AWS::KMS::Key'))[0];
  const functions = Object.values<any>(template.findResources('AWS::Lambda::Function')).filter(f => f.Properties.KmsKeyArn);
  expect(functions.length).toBeGreaterThanOrEqual(2);
  for (const f of functions) expect(f.Properties.KmsKeyArn).toEqual({ 'Fn::GetAtt': [key, 'Arn'] });
  // CloudWatch Logs and the alarm topic's publisher use the key as service principals, without grants.
  const services = keyStatements(template)[0].filter(s => s.Effect === 'Allow' && s.Principal?.Service).map(s => s.Principal.Service);
  expect(services.sort()).toEqual(['cloudwatch.amazonaws.com', 'logs.us-east-1.amazonaws.com']);
});
