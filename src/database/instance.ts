import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { proxySupportedEngineVersion } from './engine-version';
import { DatabaseAuthentication, SecureDatabaseProps } from './options';
import { DEFAULTS } from '../private/defaults';
import { acknowledge, inPacks, managedPolicy, skipCheckov } from '../private/nag';
import { perCreationName } from '../private/names';
import { keepExceptOnFailedCreate } from '../private/removal';

/** Characters left out of generated passwords so they survive URLs, shells and JSON. */
export const PASSWORD_EXCLUDED_CHARACTERS = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\';

const MULTI_AZ_REASON = 'Single-AZ by default to keep small and test deployments affordable; production stacks set databaseMultiAz: true. Backups and snapshots do not depend on it.';

/** What the instance is built from, resolved by `SecureDatabase`. */
export interface InstanceSettings {
  readonly props: SecureDatabaseProps;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly encryptionKey: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  readonly port: number;
  readonly databaseName: string;
  readonly username: string;
  readonly authentication: DatabaseAuthentication;
  readonly instanceType: ec2.InstanceType;
  /** In GiB. */
  readonly allocatedStorage: number;
}

/**
 * The PostgreSQL instance (`Instance`) in isolated subnets: TLS forced by its parameter group,
 * generated master credentials, encrypted storage, log exports into groups created beforehand,
 * enhanced monitoring and backups (deletion protection: `protectFromDeletion`).
 */
export function createInstance(scope: Construct, settings: InstanceSettings): rds.DatabaseInstance {
  const { props, removalPolicy } = settings;
  const engine = rds.DatabaseInstanceEngine.postgres({
    version: proxySupportedEngineVersion(scope, props.databaseEngineVersion),
  });
  const parameterGroup = new rds.ParameterGroup(scope, 'Parameters', {
    engine,
    description: 'Forces TLS on every connection',
    parameters: { 'rds.force_ssl': '1' },
  });

  // An identifier known before the instance exists lets the PostgreSQL log groups exist,
  // encrypted and with their retention, before RDS first writes to them (otherwise RDS creates
  // them unencrypted, kept forever). It is new for every creation of the stack, so that the
  // groups an earlier one left behind never collide with the next one's.
  const instanceIdentifier = perCreationName(scope, 63);
  const exportedLogs = ['postgresql', 'upgrade'];
  const logGroups = exportedLogs.map(log => new logs.LogGroup(scope, `${log[0].toUpperCase()}${log.slice(1)}LogGroup`, {
    logGroupName: `/aws/rds/instance/${instanceIdentifier}/${log}`,
    retention: props.databaseLogRetention ?? DEFAULTS.databaseLogRetention,
    encryptionKey: props.logEncryptionKey,
    removalPolicy: keepExceptOnFailedCreate(removalPolicy),
  }));

  const allocatedStorage = settings.allocatedStorage;
  const instance = new rds.DatabaseInstance(scope, 'Instance', {
    instanceIdentifier,
    engine,
    instanceType: settings.instanceType,
    vpc: props.vpc,
    vpcSubnets: props.databaseSubnets,
    securityGroups: [settings.securityGroup],
    port: settings.port,
    publiclyAccessible: false,
    credentials: rds.Credentials.fromGeneratedSecret(settings.username, {
      encryptionKey: settings.encryptionKey,
      excludeCharacters: PASSWORD_EXCLUDED_CHARACTERS,
    }),
    databaseName: settings.databaseName,
    parameterGroup,
    storageType: rds.StorageType.GP3,
    allocatedStorage,
    maxAllocatedStorage: props.databaseMaxAllocatedStorage ?? DEFAULTS.databaseMaxAllocatedStorage(allocatedStorage),
    storageEncrypted: true,
    storageEncryptionKey: settings.encryptionKey,
    multiAz: props.databaseMultiAz ?? DEFAULTS.databaseMultiAz,
    backupRetention: props.databaseBackupRetention ?? DEFAULTS.databaseBackupRetention,
    deleteAutomatedBackups: false,
    copyTagsToSnapshot: true,
    // Left to a custom resource, so that a failed first create can roll back: see deletion-protection.ts.
    deletionProtection: false,
    removalPolicy,
    autoMinorVersionUpgrade: true,
    iamAuthentication: settings.authentication === DatabaseAuthentication.IAM,
    cloudwatchLogsExports: exportedLogs,
    monitoringInterval: props.databaseMonitoringInterval ?? DEFAULTS.databaseMonitoringInterval,
    caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
  });
  logGroups.forEach(group => instance.node.addDependency(group));
  acknowledgeInstanceRules(instance, props, settings.authentication);
  return instance;
}

function acknowledgeInstanceRules(instance: rds.DatabaseInstance, props: SecureDatabaseProps, authentication: DatabaseAuthentication): void {
  acknowledge(instance, [
    { id: 'AwsSolutions-RDS11', reason: 'PostgreSQL keeps its standard port: only the proxy (and opt-in bastion/rotation) security groups reach it, in isolated subnets; another port adds no protection and breaks tooling.' },
    ...(props.databaseMultiAz ? [] : [
      { id: 'AwsSolutions-RDS3', reason: MULTI_AZ_REASON },
      ...inPacks('RDSMultiAZSupport', MULTI_AZ_REASON, ['HIPAA.Security', 'NIST.800.53.R5']),
    ]),
  ]);
  skipCheckov(instance, [
    ...(props.databaseMultiAz ? [] : [{ id: 'CKV_AWS_157', comment: MULTI_AZ_REASON }]),
    ...(authentication === DatabaseAuthentication.IAM ? [] : [{
      id: 'CKV_AWS_161',
      comment: 'Only the RDS Proxy reaches the instance, with the Secrets Manager credential; choose DatabaseAuthentication.IAM for IAM tokens from the function to the proxy.',
    }]),
  ]);
  const monitoringRole = instance.node.tryFindChild('MonitoringRole');
  if (monitoringRole) {
    acknowledge(monitoringRole, [{
      id: 'AwsSolutions-IAM4',
      appliesTo: [managedPolicy('service-role/AmazonRDSEnhancedMonitoringRole')],
      reason: 'The AWS managed policy RDS enhanced monitoring requires: it only lets RDS write OS metrics to its own CloudWatch Logs group.',
    }]);
  }
}
