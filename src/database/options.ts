import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/** How the function authenticates to the RDS Proxy. */
export enum DatabaseAuthentication {
  /** User name and password from the Secrets Manager secret (the function may read the secret). */
  PASSWORD = 'password',
  /**
   * Short-lived IAM authentication tokens signed with the function's role. The function gets
   * `rds-db:connect` on the proxy and no access to the secret; the proxy still logs in to the
   * database with the secret.
   */
  IAM = 'iam',
}

/** Settings of the database and its proxy, shared by `SecureDatabase` and `SecureLambdaPostgres`. */
export interface SecureDatabaseOptions {
  /**
   * PostgreSQL engine version. A major version lets RDS apply minor upgrades automatically.
   *
   * @default rds.PostgresEngineVersion.VER_18
   */
  readonly databaseEngineVersion?: rds.PostgresEngineVersion;

  /**
   * Instance class of the database.
   *
   * @default t4g.micro
   */
  readonly databaseInstanceType?: ec2.InstanceType;

  /**
   * Name of the application database created on the instance.
   *
   * @default 'app'
   */
  readonly databaseName?: string;

  /**
   * Master user name; its generated password lives only in Secrets Manager.
   *
   * @default 'postgres'
   */
  readonly databaseUsername?: string;

  /**
   * Allocated storage in GiB.
   *
   * @default 20
   */
  readonly databaseAllocatedStorage?: number;

  /**
   * Upper limit in GiB for storage autoscaling.
   *
   * @default - 100, or `databaseAllocatedStorage` when that is larger
   */
  readonly databaseMaxAllocatedStorage?: number;

  /**
   * Whether to run a standby in a second availability zone.
   *
   * @default false
   */
  readonly databaseMultiAz?: boolean;

  /**
   * How long automated backups are kept (1 to 35 days).
   *
   * @default Duration.days(7)
   */
  readonly databaseBackupRetention?: Duration;

  /**
   * Whether AWS Backup also takes daily backups of the instance (kept 35 days, in a vault
   * encrypted with the database key). Turn off for throwaway stacks: a vault holding recovery
   * points cannot be deleted with the stack.
   *
   * @default true
   */
  readonly databaseBackupPlan?: boolean;

  /**
   * Interval of RDS enhanced monitoring (OS metrics); `Duration.seconds(0)` turns it off.
   *
   * @default Duration.seconds(60)
   */
  readonly databaseMonitoringInterval?: Duration;

  /**
   * Whether the instance is protected from deletion. Turn off only for throwaway stacks.
   *
   * @default true
   */
  readonly databaseDeletionProtection?: boolean;

  /**
   * What happens to the instance when it leaves the stack. `DESTROY` needs
   * `databaseDeletionProtection: false`.
   *
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly databaseRemovalPolicy?: RemovalPolicy;

  /**
   * Retention of the PostgreSQL log exports in CloudWatch Logs.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly databaseLogRetention?: logs.RetentionDays;

  /**
   * How the function authenticates to the proxy.
   *
   * @default DatabaseAuthentication.PASSWORD
   */
  readonly databaseAuthentication?: DatabaseAuthentication;

  /**
   * Whether Secrets Manager rotates the master password on a schedule (single-user rotation).
   *
   * @default true
   */
  readonly databaseSecretRotation?: boolean;

  /**
   * Interval between password rotations.
   *
   * @default Duration.days(30)
   */
  readonly databaseSecretRotationInterval?: Duration;

  /**
   * How long an idle client connection to the proxy stays open (1 minute to 8 hours).
   *
   * @default Duration.minutes(30)
   */
  readonly proxyIdleClientTimeout?: Duration;

  /**
   * Maximum share of the database's `max_connections` the proxy may open (1 to 100).
   *
   * @default 100
   */
  readonly proxyMaxConnectionsPercent?: number;

  /**
   * Share of the database's `max_connections` the proxy keeps idle in its pool (0 to
   * `proxyMaxConnectionsPercent`).
   *
   * @default 50
   */
  readonly proxyMaxIdleConnectionsPercent?: number;

  /**
   * How long a client waits for a pooled connection before the proxy gives up (up to 5 minutes).
   * `SecureLambdaPostgres` requires it to be shorter than `functionTimeout`, so that the handler
   * can still answer 503 when the pool is exhausted.
   *
   * @default - in `SecureLambdaPostgres`, half of `functionTimeout` (5 seconds with the default
   * 10-second timeout); for `SecureDatabase` alone, Duration.seconds(120)
   */
  readonly proxyBorrowTimeout?: Duration;

  /**
   * Whether the proxy logs detailed SQL statement information. The log may contain sensitive
   * data: enable only while debugging.
   *
   * @default false
   */
  readonly proxyDebugLogging?: boolean;
}

/** Properties of `SecureDatabase`. */
export interface SecureDatabaseProps extends SecureDatabaseOptions {
  /** The VPC. */
  readonly vpc: ec2.IVpc;

  /** Isolated subnets for the instance. */
  readonly databaseSubnets: ec2.SubnetSelection;

  /** Private subnets for the proxy (and the rotation function). */
  readonly proxySubnets: ec2.SubnetSelection;

  /**
   * Key that encrypts storage, snapshots and the secret.
   *
   * @default - a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Key that encrypts the PostgreSQL log groups. Its policy must let CloudWatch Logs use it.
   *
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * Secrets Manager interface endpoint the rotation function calls.
   *
   * @default - the public Secrets Manager endpoint (through NAT)
   */
  readonly secretsManagerEndpoint?: ec2.IInterfaceVpcEndpoint;
}

/** A PostgreSQL database reached through an RDS Proxy. */
export interface ISecureDatabase extends ec2.IConnectable {
  /** Hostname clients connect to (the proxy endpoint). */
  readonly endpoint: string;
  /** Port clients connect to. */
  readonly port: number;
  /** Name of the application database. */
  readonly databaseName: string;
  /** Database user the clients log in as. */
  readonly username: string;
  /** Secret holding the user's credentials. */
  readonly secret: secretsmanager.ISecret;
  /** How clients authenticate to the proxy. */
  readonly authentication: DatabaseAuthentication;

  /**
   * Grants what a client needs to log in: read access to the secret with password
   * authentication, `rds-db:connect` on the proxy with IAM authentication.
   *
   * @param grantee the client's principal
   */
  grantConnect(grantee: iam.IGrantable): iam.Grant;
}
