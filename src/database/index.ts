import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as triggers from 'aws-cdk-lib/triggers';
import { Construct } from 'constructs';
import { DEFAULT_DB_PORT } from '../contract';
import { addBackupPlan } from './backup';
import { createRoleCredentials } from './credentials';
import { protectFromDeletion } from './deletion-protection';
import { createInstance } from './instance';
import { createMigrator, Migrator } from './migrator';
import { DatabaseAuthentication, ISecureDatabase, SecureDatabaseProps } from './options';
import { createProxy } from './proxy';
import { resolveRoleNames, RoleNames, validateRoleOptions } from './roles';
import { addRotation } from './rotation';
import { validateDatabaseOptions } from './validate';
import { DEFAULTS } from '../private/defaults';
import { createEncryptionKey } from '../private/kms';
import { closedSecurityGroup } from '../private/security-group';
import { resolveProxyBorrowTimeout } from '../private/timeouts';

export * from './options';
export * from './roles';
export * from './migrations';

/**
 * RDS PostgreSQL in isolated subnets behind an RDS Proxy that requires TLS: encrypted storage,
 * SSL forced by the parameter group, three roles with credentials of their own in Secrets Manager
 * (rotated), schema migrations on deployment, log exports, backups and deletion protection on.
 * Clients connect to the proxy as the application role; `connections` controls who may.
 */
export class SecureDatabase extends Construct implements ISecureDatabase {
  /**
   * Connections the migration function holds open at most: one at a time (master, then the app
   * role's check, then the owner), once per deployment. Count it in a connection budget.
   */
  public static readonly MIGRATION_CONNECTIONS = 1;

  /** The database instance. */
  public readonly instance: rds.DatabaseInstance;
  /** The proxy in front of the instance; it serves the application role only. */
  public readonly proxy: rds.DatabaseProxy;
  /** The master credentials secret: administration only (no function serving requests may read it). */
  public readonly secret: secretsmanager.ISecret;
  /** The owner role's credentials secret, read by the migration function only. */
  public readonly ownerSecret: secretsmanager.ISecret;
  /** The application role's credentials secret; none with IAM authentication. */
  public readonly appSecret?: secretsmanager.ISecret;
  /** Key that encrypts storage and the secrets. */
  public readonly encryptionKey: kms.IKey;
  /** Security group of the instance: ingress from the proxy, migration (and rotation) functions only, no egress. */
  public readonly databaseSecurityGroup: ec2.SecurityGroup;
  /** Security group of the proxy: ingress from allowed clients, egress to the instance only. */
  public readonly proxySecurityGroup: ec2.SecurityGroup;
  /** Security group of the rotation function, when rotation is on. */
  public readonly rotationSecurityGroup?: ec2.SecurityGroup;
  /**
   * Names of the secret rotation functions, one per rotated secret (master, owner, and app unless
   * IAM authentication); empty without rotation. Each connects to the instance itself.
   */
  public readonly rotationFunctionNames: string[] = [];
  /**
   * The deploy-time function that creates the roles and applies the migrations, directly against
   * the instance.
   */
  public readonly migrationFunction: lambda.Function;
  /**
   * Security group of the migration function: 5432 to the instance. It also needs HTTPS to Secrets
   * Manager (an endpoint, or NAT), which `SecureLambdaPostgres` adds; add it yourself otherwise.
   */
  public readonly migrationSecurityGroup: ec2.SecurityGroup;
  /**
   * The trigger that runs the migration function on deployment (always set here; optional only in
   * `ISecureDatabase`). A `DatabaseFunction` is updated after it.
   */
  public readonly migrationTrigger?: triggers.ITrigger;
  /** The proxy's network access: allow clients with `connections.allowDefaultPortFrom`. */
  public readonly connections: ec2.Connections;
  /** Hostname clients connect to (the proxy endpoint). */
  public readonly endpoint: string;
  /** Port clients connect to. */
  public readonly port: number;
  /** Name of the application database. */
  public readonly databaseName: string;
  /** Database user the clients log in as: the application role. */
  public readonly username: string;
  /** The owner role, which owns the application schema and runs the migrations. */
  public readonly ownerUsername: string;
  /** The application schema. */
  public readonly schemaName: string;
  /** How clients authenticate to the proxy. */
  public readonly authentication: DatabaseAuthentication;
  /** The instance class: `databaseInstanceType` or its default. */
  public readonly instanceType: ec2.InstanceType;
  /** Storage allocated at creation, in GiB: `databaseAllocatedStorage` or its default. */
  public readonly allocatedStorage: number;
  /** Share of `max_connections` the proxy may open: `proxyMaxConnectionsPercent` or its default. */
  public readonly proxyMaxConnectionsPercent: number;
  /** How long a client waits for a pooled connection: `proxyBorrowTimeout` or its default. */
  public readonly proxyBorrowTimeout: Duration;

  constructor(scope: Construct, id: string, props: SecureDatabaseProps) {
    super(scope, id);
    validateDatabaseOptions(this, props);
    validateRoleOptions(this, props);
    const removalPolicy = props.databaseRemovalPolicy ?? DEFAULTS.databaseRemovalPolicy;
    const names = resolveRoleNames(props);
    this.port = DEFAULT_DB_PORT;
    this.databaseName = props.databaseName ?? DEFAULTS.databaseName;
    this.username = names.app;
    this.ownerUsername = names.owner;
    this.schemaName = names.schema;
    this.authentication = props.databaseAuthentication ?? DatabaseAuthentication.PASSWORD;
    this.instanceType = props.databaseInstanceType ?? DEFAULTS.databaseInstanceType;
    this.allocatedStorage = props.databaseAllocatedStorage ?? DEFAULTS.databaseAllocatedStorage;
    this.proxyMaxConnectionsPercent = props.proxyMaxConnectionsPercent ?? DEFAULTS.proxyMaxConnectionsPercent;
    this.proxyBorrowTimeout = resolveProxyBorrowTimeout(props.proxyBorrowTimeout);

    this.encryptionKey = props.encryptionKey ?? createEncryptionKey(this, {
      description: 'Encrypts the PostgreSQL storage, snapshots and credentials secret',
      // Snapshots stay readable only while their key exists.
      removalPolicy,
    });
    this.databaseSecurityGroup = closedSecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc: props.vpc,
      description: 'PostgreSQL instance: 5432 from the proxy only',
    });
    this.proxySecurityGroup = closedSecurityGroup(this, 'ProxySecurityGroup', {
      vpc: props.vpc,
      description: 'RDS Proxy: 5432 from allowed clients, to the instance only',
    });
    this.instance = createInstance(this, {
      props,
      securityGroup: this.databaseSecurityGroup,
      encryptionKey: this.encryptionKey,
      removalPolicy,
      port: this.port,
      databaseName: this.databaseName,
      username: names.master,
      authentication: this.authentication,
      instanceType: this.instanceType,
      allocatedStorage: this.allocatedStorage,
    });
    this.secret = this.instance.secret!;
    protectFromDeletion(this, this.instance, {
      enabled: props.databaseDeletionProtection ?? DEFAULTS.databaseDeletionProtection,
      encryptionKey: this.encryptionKey,
      logRetention: props.databaseLogRetention,
      logEncryptionKey: props.logEncryptionKey,
    });
    const credentials = createRoleCredentials(this, {
      instance: this.instance,
      encryptionKey: this.encryptionKey,
      names,
      databaseName: this.databaseName,
      authentication: this.authentication,
    });
    this.ownerSecret = credentials.ownerSecret;
    this.appSecret = credentials.appSecret;
    this.proxy = createProxy(this, {
      props,
      instance: this.instance,
      securityGroup: this.proxySecurityGroup,
      databaseSecurityGroup: this.databaseSecurityGroup,
      authentication: this.authentication,
      port: this.port,
      appSecret: this.appSecret,
      appUsername: names.app,
      maxConnectionsPercent: this.proxyMaxConnectionsPercent,
      borrowTimeout: this.proxyBorrowTimeout,
    });
    this.endpoint = this.proxy.endpoint;
    this.connections = new ec2.Connections({
      securityGroups: [this.proxySecurityGroup],
      defaultPort: ec2.Port.tcp(this.port),
    });
    const migrator = this.createMigrator(props, names);
    // The proxy serves the app role: on a stack deployed before it existed, switch after it does.
    // (Only the proxy resource waits: its role is in the key's policy, which the instance needs.)
    this.proxy.node.defaultChild!.node.addDependency(migrator.trigger);
    this.migrationFunction = migrator.function;
    this.migrationSecurityGroup = migrator.securityGroup;
    this.migrationTrigger = migrator.trigger;
    if (props.databaseSecretRotation ?? DEFAULTS.databaseSecretRotation) {
      const rotation = addRotation(this, {
        props,
        secrets: [
          { id: 'SecretRotation', secret: this.secret },
          { id: 'OwnerSecretRotation', secret: this.ownerSecret },
          ...(this.appSecret ? [{ id: 'AppSecretRotation', secret: this.appSecret }] : []),
        ],
        databaseSecurityGroup: this.databaseSecurityGroup,
        port: this.port,
        after: migrator.trigger,
      });
      this.rotationSecurityGroup = rotation.securityGroup;
      this.rotationFunctionNames = rotation.functionNames;
    }
    if (props.databaseBackupPlan ?? DEFAULTS.databaseBackupPlan) {
      addBackupPlan(this, this.instance, this.encryptionKey, removalPolicy);
    }
  }

  /**
   * Grants what a client needs to log in as the application role: read access to its secret with
   * password authentication, `rds-db:connect` on the proxy for it with IAM authentication.
   *
   * @param grantee the client's principal
   */
  public grantConnect(grantee: iam.IGrantable): iam.Grant {
    return this.appSecret ? this.appSecret.grantRead(grantee) : this.proxy.grantConnect(grantee, this.username);
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

  private createMigrator(props: SecureDatabaseProps, names: RoleNames): Migrator {
    return createMigrator(this, {
      props,
      instance: this.instance,
      databaseSecurityGroup: this.databaseSecurityGroup,
      encryptionKey: this.encryptionKey,
      names,
      databaseName: this.databaseName,
      port: this.port,
      authentication: this.authentication,
      masterSecret: this.secret,
      ownerSecret: this.ownerSecret,
      appSecret: this.appSecret,
    });
  }
}
