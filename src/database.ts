import { Duration, Names, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DEFAULT_DB_PORT } from './contract';
import { acknowledge, inPacks, INLINE_GRANTS, managedPolicy, skipCheckov } from './private/nag';
import { isWholeNumberIn } from './private/validate';

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
   *
   * @default Duration.seconds(120)
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

const MULTI_AZ_REASON = 'Single-AZ by default to keep small and test deployments affordable; production stacks set databaseMultiAz: true. Backups and snapshots do not depend on it.';
const PROXY_INGRESS_REASON = "PostgreSQL's port (5432) from the RDS Proxy's security group only, not from any CIDR; the rule cannot resolve the port because CDK writes it as the instance's Endpoint.Port attribute.";

/** Characters left out of generated passwords so they survive URLs, shells and JSON. */
const PASSWORD_EXCLUDED_CHARACTERS = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\';

/**
 * RDS PostgreSQL in isolated subnets behind an RDS Proxy that requires TLS: encrypted storage,
 * SSL forced by the parameter group, generated credentials in Secrets Manager (rotated), log
 * exports, backups and deletion protection on. Clients connect to the proxy; `connections`
 * controls who may.
 */
export class SecureDatabase extends Construct implements ISecureDatabase {
  /** The database instance. */
  public readonly instance: rds.DatabaseInstance;
  /** The proxy in front of the instance. */
  public readonly proxy: rds.DatabaseProxy;
  /** The master credentials secret. */
  public readonly secret: secretsmanager.ISecret;
  /** Key that encrypts storage and the secret. */
  public readonly encryptionKey: kms.IKey;
  /** Security group of the instance: ingress from the proxy (and rotation) only, no egress. */
  public readonly databaseSecurityGroup: ec2.SecurityGroup;
  /** Security group of the proxy: ingress from allowed clients, egress to the instance only. */
  public readonly proxySecurityGroup: ec2.SecurityGroup;
  /** Security group of the rotation function, when rotation is on. */
  public readonly rotationSecurityGroup?: ec2.SecurityGroup;
  /** The proxy's network access: allow clients with `connections.allowDefaultPortFrom`. */
  public readonly connections: ec2.Connections;
  /** Hostname clients connect to (the proxy endpoint). */
  public readonly endpoint: string;
  /** Port clients connect to. */
  public readonly port: number;
  /** Name of the application database. */
  public readonly databaseName: string;
  /** Database user the clients log in as. */
  public readonly username: string;
  /** How clients authenticate to the proxy. */
  public readonly authentication: DatabaseAuthentication;

  constructor(scope: Construct, id: string, props: SecureDatabaseProps) {
    super(scope, id);
    validateDatabaseOptions(props);

    const engine = rds.DatabaseInstanceEngine.postgres({
      version: props.databaseEngineVersion ?? rds.PostgresEngineVersion.VER_18,
    });
    const removalPolicy = props.databaseRemovalPolicy ?? RemovalPolicy.SNAPSHOT;
    const allocatedStorage = props.databaseAllocatedStorage ?? 20;
    this.port = DEFAULT_DB_PORT;
    this.databaseName = props.databaseName ?? 'app';
    this.username = props.databaseUsername ?? 'postgres';
    this.authentication = props.databaseAuthentication ?? DatabaseAuthentication.PASSWORD;

    this.encryptionKey = props.encryptionKey ?? new kms.Key(this, 'Key', {
      description: 'Encrypts the PostgreSQL storage, snapshots and credentials secret',
      enableKeyRotation: true,
      // Snapshots stay readable only while their key exists.
      removalPolicy: removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });

    this.databaseSecurityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc: props.vpc,
      description: 'PostgreSQL instance: 5432 from the proxy only',
      allowAllOutbound: false,
    });
    this.proxySecurityGroup = new ec2.SecurityGroup(this, 'ProxySecurityGroup', {
      vpc: props.vpc,
      description: 'RDS Proxy: 5432 from allowed clients, to the instance only',
      allowAllOutbound: false,
    });

    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: 'Forces TLS on every connection',
      parameters: { 'rds.force_ssl': '1' },
    });

    // A fixed identifier lets the PostgreSQL log groups exist, encrypted and with their retention,
    // before RDS first writes to them (otherwise RDS creates them unencrypted, kept forever).
    const instanceIdentifier = Names.uniqueResourceName(this, { maxLength: 63, separator: '-' }).toLowerCase();
    const exportedLogs = ['postgresql', 'upgrade'];
    const logGroups = exportedLogs.map(log => new logs.LogGroup(this, `${log[0].toUpperCase()}${log.slice(1)}LogGroup`, {
      logGroupName: `/aws/rds/instance/${instanceIdentifier}/${log}`,
      retention: props.databaseLogRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logEncryptionKey,
      // The name is fixed: a retained group would block redeploying a throwaway stack.
      removalPolicy: removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    }));

    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      instanceIdentifier,
      engine,
      instanceType: props.databaseInstanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      vpc: props.vpc,
      vpcSubnets: props.databaseSubnets,
      securityGroups: [this.databaseSecurityGroup],
      port: this.port,
      publiclyAccessible: false,
      credentials: rds.Credentials.fromGeneratedSecret(this.username, {
        encryptionKey: this.encryptionKey,
        excludeCharacters: PASSWORD_EXCLUDED_CHARACTERS,
      }),
      databaseName: this.databaseName,
      parameterGroup,
      storageType: rds.StorageType.GP3,
      allocatedStorage,
      maxAllocatedStorage: props.databaseMaxAllocatedStorage ?? Math.max(100, allocatedStorage),
      storageEncrypted: true,
      storageEncryptionKey: this.encryptionKey,
      multiAz: props.databaseMultiAz ?? false,
      backupRetention: props.databaseBackupRetention ?? Duration.days(7),
      deleteAutomatedBackups: false,
      copyTagsToSnapshot: true,
      deletionProtection: props.databaseDeletionProtection ?? true,
      removalPolicy,
      autoMinorVersionUpgrade: true,
      iamAuthentication: this.authentication === DatabaseAuthentication.IAM,
      cloudwatchLogsExports: exportedLogs,
      monitoringInterval: props.databaseMonitoringInterval ?? Duration.seconds(60),
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
    });
    logGroups.forEach(group => this.instance.node.addDependency(group));
    acknowledge(this.instance, [
      { id: 'AwsSolutions-RDS11', reason: 'PostgreSQL keeps its standard port: only the proxy (and opt-in bastion/rotation) security groups reach it, in isolated subnets; another port adds no protection and breaks tooling.' },
      ...(props.databaseMultiAz ? [] : [
        { id: 'AwsSolutions-RDS3', reason: MULTI_AZ_REASON },
        ...inPacks('RDSMultiAZSupport', MULTI_AZ_REASON, ['HIPAA.Security', 'NIST.800.53.R5']),
      ]),
    ]);
    skipCheckov(this.instance, [
      ...(props.databaseMultiAz ? [] : [{ id: 'CKV_AWS_157', comment: MULTI_AZ_REASON }]),
      ...(this.authentication === DatabaseAuthentication.IAM ? [] : [{
        id: 'CKV_AWS_161',
        comment: 'Only the RDS Proxy reaches the instance, with the Secrets Manager credential; choose DatabaseAuthentication.IAM for IAM tokens from the function to the proxy.',
      }]),
    ]);
    const monitoringRole = this.instance.node.tryFindChild('MonitoringRole');
    if (monitoringRole) {
      acknowledge(monitoringRole, [{
        id: 'AwsSolutions-IAM4',
        appliesTo: [managedPolicy('service-role/AmazonRDSEnhancedMonitoringRole')],
        reason: 'The AWS managed policy RDS enhanced monitoring requires: it only lets RDS write OS metrics to its own CloudWatch Logs group.',
      }]);
    }
    this.secret = this.instance.secret!;

    this.proxy = new rds.DatabaseProxy(this, 'Proxy', {
      // Also admits the proxy's security group to the instance on its port.
      proxyTarget: rds.ProxyTarget.fromInstance(this.instance),
      secrets: [this.secret],
      vpc: props.vpc,
      vpcSubnets: props.proxySubnets,
      securityGroups: [this.proxySecurityGroup],
      requireTLS: true,
      iamAuth: this.authentication === DatabaseAuthentication.IAM,
      clientPasswordAuthType: rds.ClientPasswordAuthType.POSTGRES_SCRAM_SHA_256,
      idleClientTimeout: props.proxyIdleClientTimeout ?? Duration.minutes(30),
      maxConnectionsPercent: props.proxyMaxConnectionsPercent ?? 100,
      maxIdleConnectionsPercent: props.proxyMaxIdleConnectionsPercent ?? 50,
      borrowTimeout: props.proxyBorrowTimeout ?? Duration.seconds(120),
      debugLogging: props.proxyDebugLogging ?? false,
    });
    this.endpoint = this.proxy.endpoint;
    acknowledge(this.proxy.node.findChild('IAMRole').node.findChild('DefaultPolicy'), inPacks('IAMNoInlinePolicy', INLINE_GRANTS));
    const proxyIngress = this.databaseSecurityGroup.node.children.find(c => c.node.id.startsWith(`from ${Names.uniqueId(this.proxySecurityGroup)}`));
    if (proxyIngress) {
      // Written by ProxyTarget.fromInstance with the port as the instance's Endpoint.Port token,
      // which the rules cannot read; the peer is the proxy's security group only.
      acknowledge(proxyIngress, [
        ...inPacks('EC2RestrictedSSH', PROXY_INGRESS_REASON),
        ...inPacks('EC2RestrictedCommonPorts', PROXY_INGRESS_REASON),
      ]);
    }
    this.connections = new ec2.Connections({
      securityGroups: [this.proxySecurityGroup],
      defaultPort: ec2.Port.tcp(this.port),
    });

    if (props.databaseSecretRotation ?? true) {
      this.rotationSecurityGroup = new ec2.SecurityGroup(this, 'RotationSecurityGroup', {
        vpc: props.vpc,
        description: 'Secret rotation function: to the instance and Secrets Manager only',
        allowAllOutbound: false,
      });
      new secretsmanager.SecretRotation(this, 'SecretRotation', {
        application: secretsmanager.SecretRotationApplication.POSTGRES_ROTATION_SINGLE_USER,
        secret: this.secret,
        // Admits the rotation function's security group to the instance. The instance's own
        // connections carry the port as a deploy-time token; compliance rules need the number.
        target: {
          connections: new ec2.Connections({
            securityGroups: [this.databaseSecurityGroup],
            defaultPort: ec2.Port.tcp(this.port),
          }),
        },
        vpc: props.vpc,
        vpcSubnets: props.proxySubnets,
        securityGroup: this.rotationSecurityGroup,
        endpoint: props.secretsManagerEndpoint,
        automaticallyAfter: props.databaseSecretRotationInterval ?? Duration.days(30),
        excludeCharacters: PASSWORD_EXCLUDED_CHARACTERS,
      });
    }

    if (props.databaseBackupPlan ?? true) {
      const vault = new backup.BackupVault(this, 'BackupVault', {
        encryptionKey: this.encryptionKey,
        removalPolicy: removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      });
      const plan = new backup.BackupPlan(this, 'BackupPlan', {
        backupVault: vault,
        backupPlanRules: [backup.BackupPlanRule.daily(vault)],
      });
      const selection = plan.addSelection('Instance', { resources: [backup.BackupResource.fromRdsDatabaseInstance(this.instance)] });
      acknowledge(selection.node.findChild('Role'), [{
        id: 'AwsSolutions-IAM4',
        appliesTo: [managedPolicy('service-role/AWSBackupServiceRolePolicyForBackup')],
        reason: 'The AWS managed policy AWS Backup documents for its service role; this role is assumable only by AWS Backup.',
      }]);
    }
  }

  /**
   * Grants what a client needs to log in: read access to the secret with password
   * authentication, `rds-db:connect` on the proxy with IAM authentication.
   *
   * @param grantee the client's principal
   */
  public grantConnect(grantee: iam.IGrantable): iam.Grant {
    return this.authentication === DatabaseAuthentication.IAM
      ? this.proxy.grantConnect(grantee, this.username)
      : this.secret.grantRead(grantee);
  }

  /**
   * Lets a client reach the instance itself on the database port, bypassing the proxy (for an
   * operator's bastion, say). Application code should go through `connections` instead.
   *
   * @param client the security-group holder allowed in
   * @param description rule description
   */
  public allowDirectAccessFrom(client: ec2.IConnectable, description?: string): void {
    this.databaseSecurityGroup.connections.allowFrom(client, ec2.Port.tcp(this.port), description);
  }
}

function validateDatabaseOptions(props: SecureDatabaseOptions): void {
  const removalPolicy = props.databaseRemovalPolicy ?? RemovalPolicy.SNAPSHOT;
  if (removalPolicy === RemovalPolicy.DESTROY && (props.databaseDeletionProtection ?? true)) {
    throw new Error('databaseRemovalPolicy DESTROY cannot delete an instance with deletion protection on; also set databaseDeletionProtection: false (throwaway stacks only).');
  }
  const retention = props.databaseBackupRetention;
  if (retention && !Token.isUnresolved(retention.toDays({ integral: false }))) {
    const days = retention.toDays({ integral: false });
    if (!Number.isInteger(days) || days < 1 || days > 35) {
      throw new Error(`databaseBackupRetention must be a whole number of days from 1 to 35 (automated backups stay on), got ${days}.`);
    }
  }
  checkPercent('proxyMaxConnectionsPercent', props.proxyMaxConnectionsPercent, 1);
  checkPercent('proxyMaxIdleConnectionsPercent', props.proxyMaxIdleConnectionsPercent, 0);
  const max = props.proxyMaxConnectionsPercent ?? 100;
  const idle = props.proxyMaxIdleConnectionsPercent ?? 50;
  if (!Token.isUnresolved(max) && !Token.isUnresolved(idle) && idle > max) {
    throw new Error(`proxyMaxIdleConnectionsPercent (${idle}) cannot exceed proxyMaxConnectionsPercent (${max}).`);
  }
  const idleTimeout = props.proxyIdleClientTimeout;
  if (idleTimeout && !Token.isUnresolved(idleTimeout.toSeconds())) {
    const seconds = idleTimeout.toSeconds();
    if (seconds < 60 || seconds > 28800) {
      throw new Error(`proxyIdleClientTimeout must be between 1 minute and 8 hours, got ${idleTimeout.toHumanString()}.`);
    }
  }
  const borrow = props.proxyBorrowTimeout;
  if (borrow && !Token.isUnresolved(borrow.toSeconds()) && borrow.toSeconds() > 300) {
    throw new Error(`proxyBorrowTimeout must be at most 5 minutes, got ${borrow.toHumanString()}.`);
  }
  for (const prop of ['databaseAllocatedStorage', 'databaseMaxAllocatedStorage'] as const) {
    const value = props[prop];
    if (!isWholeNumberIn(value, 20)) {
      throw new Error(`${prop} must be a whole number of GiB, at least 20, got ${value}.`);
    }
  }
  const allocated = props.databaseAllocatedStorage ?? 20;
  const maxAllocated = props.databaseMaxAllocatedStorage;
  if (maxAllocated !== undefined && !Token.isUnresolved(allocated) && !Token.isUnresolved(maxAllocated) && maxAllocated < allocated) {
    throw new Error(`databaseMaxAllocatedStorage (${maxAllocated}) must be at least databaseAllocatedStorage (${allocated}).`);
  }
}

function checkPercent(prop: string, value: number | undefined, min: number): void {
  if (!isWholeNumberIn(value, min, 100)) {
    throw new Error(`${prop} must be a whole number from ${min} to 100, got ${value}.`);
  }
}
