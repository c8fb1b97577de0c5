import { Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { keepExceptOnFailedCreate } from './removal';

/** What the construct's key (`Key`) encrypts and how long it stays. */
export interface EncryptionKeySettings {
  readonly description: string;
  /** The database's removal policy: the key outlives the snapshots it encrypts. */
  readonly removalPolicy?: RemovalPolicy;
  /** Whether CloudWatch Logs in this region may encrypt log groups with it. */
  readonly forLogGroups?: boolean;
}

/**
 * The customer-managed key the construct creates when it is given none: rotated yearly, kept on
 * deletion, grants only for AWS services, and usable by CloudWatch Logs when it encrypts log groups.
 */
export function createEncryptionKey(scope: Construct, settings: EncryptionKeySettings): kms.Key {
  const key = new kms.Key(scope, 'Key', {
    description: settings.description,
    enableKeyRotation: true,
    removalPolicy: keepExceptOnFailedCreate(settings.removalPolicy),
  });
  restrictGrantsToAwsServices(key);
  if (settings.forLogGroups) allowLogGroups(key);
  return key;
}

/**
 * CloudWatch Logs encrypts a log group with a key only when the key policy lets the regional
 * service principal use it, for log groups of this account and region.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
function allowLogGroups(key: kms.Key): void {
  key.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal(`logs.${Stack.of(key).region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
      },
    },
  }));
}

/**
 * Lets only AWS services create grants on the key (AWS Control Tower CT.KMS.PR.3): a grant outlives
 * the policies that allowed it, so a principal that may call `CreateGrant` itself could hand the
 * key to anyone. RDS, Secrets Manager, Lambda and AWS Backup create their grants through the
 * service, which sets `kms:GrantIsForAWSResource` to true; service principals calling as themselves
 * have `aws:PrincipalIsAWSService`. `BoolIfExists` denies a request that lacks the key too, where
 * a plain `Bool` would let it through. The statement is the one the control's rule checks for.
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource
 * https://docs.aws.amazon.com/controltower/latest/controlreference/kms-rules.html#ct-kms-pr-3-description
 */
function restrictGrantsToAwsServices(key: kms.Key): void {
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'GrantsOnlyForAwsResources',
    effect: iam.Effect.DENY,
    principals: [new iam.StarPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: {
      BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
    },
  }));
}
