import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as triggers from 'aws-cdk-lib/triggers';
import { DatabaseRoleOptions } from './roles';

/** How the function authenticates, as the application role, to the RDS Proxy. */
export enum DatabaseAuthentication {
  /**
   * User name and password from the app role's own Secrets Manager secret, which the function may
   * read (and the proxy logs in with).
   */
  PASSWORD = 'password',
  /**
   * IAM end to end: the function signs short-lived tokens with its role (`rds-db:connect` on the
   * proxy for the app role only), and the proxy logs in to the instance with IAM as well
   * (`rds-db:connect` on the instance). The app role is a member of `rds_iam` and has no password,
   * so no secret of its own.
   */
  IAM = 'iam',
}

/** Settings of the database and its proxy, shared by `SecureDatabase` and `SecureLambdaPostgres`. */
export interface SecureDatabaseOptions extends DatabaseRoleOptions {
  /**
   * PostgreSQL engine version. A major version lets RDS apply minor upgrades automatically. Synth
   * fails for a major RDS Proxy does not support (it supports 10 to 18).
   *
   * @default rds.PostgresEngineVersion.VER_18 - the newest major RDS Proxy supports and RDS offers on db.t4g.micro
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
   * Master user name: for administration only (it creates the roles at deployment). Its generated
   * password lives only in Secrets Manager; no function serving requests may read it. The default
   * is not the engine's well-known `postgres`, which scanners flag (AWS Control Tower CT.RDS.PR.22).
   * RDS sets it at creation only: changing it replaces the instance.
   *
   * @default 'app_admin'
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
   * Whether Secrets Manager rotates the master, owner and app passwords on a schedule
   * (single-user rotation: each role changes its own password).
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
   * @default - half of `functionTimeout` in whole seconds: 5 seconds with the default 10-second
   * timeout, which a `SecureDatabase` alone assumes for the functions it serves
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
  /** Database user the clients log in as: the application role. */
  readonly username: string;
  /** Secret holding the application role's credentials; none with IAM authentication. */
  readonly appSecret?: secretsmanager.ISecret;
  /** How clients authenticate to the proxy. */
  readonly authentication: DatabaseAuthentication;
  /** What a client function must be deployed after: the roles and migrations. */
  readonly migrationTrigger?: triggers.ITrigger;

  /**
   * Grants what a client needs to log in as the application role: read access to its secret with
   * password authentication, `rds-db:connect` on the proxy for it with IAM authentication.
   *
   * @param grantee the client's principal
   */
  grantConnect(grantee: iam.IGrantable): iam.Grant;
}
