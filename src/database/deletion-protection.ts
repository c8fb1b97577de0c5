import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { DeletionProtectionFunction } from './deletion-protection-function';
import { DEFAULTS } from '../private/defaults';
import { acknowledgeFunctionRules } from '../private/function-nag';
import { acknowledge, inPacks, skipCheckov } from '../private/nag';
import { keepExceptOnFailedCreate } from '../private/removal';

const OUTSIDE_VPC = 'It calls only the RDS and CloudFormation APIs, once per deployment, and holds no data; outside the VPC it works in every egress mode (no NAT, endpoints only).';

/**
 * Deletion protection, switched on by a custom resource once the instance exists instead of in
 * the template. With `DeletionProtection: true` in the template, a first create that fails after
 * the instance exists cannot roll back (the instance cannot be deleted: ROLLBACK_FAILED), and the
 * stack can neither be retried nor deleted without manual steps. The custom resource depends on
 * the instance, so on that rollback CloudFormation deletes it first, and it switches the
 * protection off (see `deletion-protection.lambda.ts`). The template leaves `DeletionProtection`
 * out altogether: RDS's handler sends only the properties a template sets, so no later update
 * switches it off again (aws-cloudformation-resource-providers-rds, `Translator.modifyDbInstanceRequest`).
 * `enabled: false` switches it off through the same resource.
 */
export function protectFromDeletion(scope: Construct, instance: rds.DatabaseInstance, settings: ProtectionSettings): CustomResource {
  const { enabled } = settings;
  const cfnInstance = instance.node.defaultChild as rds.CfnDBInstance;
  cfnInstance.addPropertyDeletionOverride('DeletionProtection');
  const fn = new DeletionProtectionFunction(scope, 'DeletionProtectionFunction', {
    description: 'Switches the database instance\'s deletion protection on once it exists, and off only while its stack\'s failed creation rolls back',
    architecture: lambda.Architecture.ARM_64,
    memorySize: 128,
    // RDS refuses modifications while the instance takes its first backup: wait for it.
    timeout: Duration.minutes(10),
    logGroup: new logs.LogGroup(scope, 'DeletionProtectionLogGroup', {
      retention: settings.logRetention ?? DEFAULTS.databaseLogRetention,
      encryptionKey: settings.logEncryptionKey,
      removalPolicy: keepExceptOnFailedCreate(),
    }),
    loggingFormat: lambda.LoggingFormat.JSON,
    tracing: lambda.Tracing.ACTIVE,
    environmentEncryption: settings.encryptionKey,
  });
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['rds:ModifyDBInstance'], resources: [instance.instanceArn] }));
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [Stack.of(scope).stackId] }));
  const resource = new CustomResource(scope, 'DeletionProtection', {
    serviceToken: fn.functionArn,
    resourceType: 'Custom::DeletionProtection',
    properties: { DBInstanceIdentifier: instance.instanceIdentifier, Enabled: String(enabled) },
  });
  acknowledgeProtectionRules(fn);
  if (enabled) acknowledgeTemplateScanners(cfnInstance);
  return resource;
}

/** What `protectFromDeletion` needs besides the instance. */
export interface ProtectionSettings {
  readonly enabled: boolean;
  /** Encrypts the function's environment. */
  readonly encryptionKey: kms.IKey;
  readonly logRetention?: logs.RetentionDays;
  readonly logEncryptionKey?: kms.IKey;
}

const SWITCHED_ON_AFTER_CREATE = 'Deletion protection is on: the Custom::DeletionProtection resource switches it on as soon as the instance exists (scanners read only the template), so that a failed first create can still roll back.';

function acknowledgeTemplateScanners(instance: rds.CfnDBInstance): void {
  acknowledge(instance, [
    { id: 'AwsSolutions-RDS10', reason: SWITCHED_ON_AFTER_CREATE },
    ...inPacks('RDSInstanceDeletionProtectionEnabled', SWITCHED_ON_AFTER_CREATE, ['HIPAA.Security', 'NIST.800.53.R5']),
  ]);
}

function acknowledgeProtectionRules(fn: lambda.Function): void {
  acknowledgeFunctionRules(fn, {
    dlq: 'CloudFormation invokes the function synchronously for its custom resource and waits for its response; a dead-letter queue only receives failed asynchronous invocations.',
    concurrency: 'Invoked once per deployment by CloudFormation; reserving concurrency would fail in accounts with the default limit.',
    tracing: true,
  });
  acknowledge(fn, [
    ...inPacks('LambdaInsideVPC', OUTSIDE_VPC),
  ]);
  skipCheckov(fn, [
    { id: 'CKV_AWS_117', comment: OUTSIDE_VPC },
  ]);
}
