import { RemovalPolicy } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { acknowledge, managedPolicy } from '../private/nag';
import { perCreationName, physicalName } from '../private/names';
import { keepExceptOnFailedCreate } from '../private/removal';

/** A daily AWS Backup plan of the instance (`BackupPlan`) into a vault encrypted with the key. */
export function addBackupPlan(scope: Construct, instance: rds.DatabaseInstance, encryptionKey: kms.IKey, removalPolicy: RemovalPolicy): void {
  const vault = new backup.BackupVault(scope, 'BackupVault', {
    // The name is required, and a vault outlives its stack (it keeps the recovery points): a
    // name new with every creation of the stack never collides with one an earlier stack left.
    backupVaultName: perCreationName(scope, 50),
    encryptionKey,
    removalPolicy: keepExceptOnFailedCreate(removalPolicy),
  });
  const plan = new backup.BackupPlan(scope, 'BackupPlan', {
    // CDK names a plan after its construct id ("BackupPlan"): a second stack in the account would collide.
    backupPlanName: physicalName(scope, 'backup', 50),
    backupVault: vault,
    backupPlanRules: [backup.BackupPlanRule.daily(vault)],
  });
  const selection = plan.addSelection('Instance', { resources: [backup.BackupResource.fromRdsDatabaseInstance(instance)] });
  acknowledge(selection.node.findChild('Role'), [{
    id: 'AwsSolutions-IAM4',
    appliesTo: [managedPolicy('service-role/AWSBackupServiceRolePolicyForBackup')],
    reason: 'The AWS managed policy AWS Backup documents for its service role; this role is assumable only by AWS Backup.',
  }]);
}
