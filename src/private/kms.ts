import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';

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
export function restrictGrantsToAwsServices(key: kms.Key): void {
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
