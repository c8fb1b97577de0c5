import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DEFAULT_FUNCTION_TIMEOUT_SECONDS } from '../contract';

/** How long every log group of the construct keeps its events unless told otherwise. */
const LOG_RETENTION = logs.RetentionDays.ONE_YEAR;

/**
 * The default of every prop that has a value of its own, keyed by the prop's name: the tiers
 * resolve their props against this table and nothing else, the `@default` docs state these values,
 * and a test holds the README's "Default settings" table and the docs to them. A default that
 * depends on another prop is a function (`databaseMaxAllocatedStorage` here; the borrow timeout,
 * half the function timeout, is `resolveProxyBorrowTimeout` in `timeouts.ts`). The engine version
 * lives beside its evidence: `DEFAULT_POSTGRES_VERSION` in `database/engine-version.ts`; the
 * authentication, `DatabaseAuthentication.PASSWORD`, beside its enum in `SecureDatabase`.
 */
export const DEFAULTS = {
  maxAzs: 2,
  natGateways: 1,
  cidr: '10.0.0.0/16',
  flowLogRetention: LOG_RETENTION,
  natInstanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.NANO),

  databaseInstanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
  databaseName: 'app',
  // Not the engine's well-known `postgres` (AWS Control Tower CT.RDS.PR.22): a guessed name is
  // half a login. https://docs.aws.amazon.com/controltower/latest/controlreference/rds-rules.html#ct-rds-pr-22-description
  databaseUsername: 'app_admin',
  databaseOwnerUsername: 'app_owner',
  databaseAppUsername: 'app',
  databaseSchemaName: 'app',
  databaseAllocatedStorage: 20,
  /** The autoscaling limit: 100 GiB, or the allocated storage when that is larger. */
  databaseMaxAllocatedStorage: (allocatedStorage: number): number => Math.max(100, allocatedStorage),
  databaseMultiAz: false,
  databaseBackupRetention: Duration.days(7),
  databaseBackupPlan: true,
  databaseMonitoringInterval: Duration.seconds(60),
  databaseDeletionProtection: true,
  databaseRemovalPolicy: RemovalPolicy.SNAPSHOT,
  databaseLogRetention: LOG_RETENTION,
  databaseSecretRotation: true,
  databaseSecretRotationInterval: Duration.days(30),
  proxyIdleClientTimeout: Duration.minutes(30),
  proxyMaxConnectionsPercent: 100,
  proxyMaxIdleConnectionsPercent: 50,
  proxyDebugLogging: false,

  functionRuntime: lambda.Runtime.NODEJS_24_X,
  functionMemorySize: 512,
  functionTimeout: Duration.seconds(DEFAULT_FUNCTION_TIMEOUT_SECONDS),
  functionLogRetention: LOG_RETENTION,
  functionTracing: lambda.Tracing.ACTIVE,
  functionConnectionsPerContainer: 1,

  apiStageName: 'prod',
  apiThrottlingRateLimit: 50,
  apiThrottlingBurstLimit: 100,
  apiAccessLogRetention: LOG_RETENTION,
  apiCloudWatchRole: true,

  bastionInstanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.NANO),
  alarms: true,
  dashboard: true,
} as const;
