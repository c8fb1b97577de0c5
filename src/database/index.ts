import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DEFAULT_DB_PORT } from '../contract';
import { addBackupPlan } from './backup';
import { createInstance } from './instance';
import { DatabaseAuthentication, ISecureDatabase, SecureDatabaseProps } from './options';
import { createProxy } from './proxy';
import { addRotation } from './rotation';
import { validateDatabaseOptions } from './validate';
import { closedSecurityGroup } from '../private/security-group';

export * from './options';

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
    const removalPolicy = props.databaseRemovalPolicy ?? RemovalPolicy.SNAPSHOT;
    this.port = DEFAULT_DB_PORT;
    this.databaseName = props.databaseName ?? 'app';
    this.username = props.databaseUsername ?? 'postgres';
    this.authentication = props.databaseAuthentication ?? DatabaseAuthentication.PASSWORD;

    this.encryptionKey = props.encryptionKey ?? this.createKey(removalPolicy);
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
      username: this.username,
      authentication: this.authentication,
    });
    this.secret = this.instance.secret!;
    this.proxy = createProxy(this, {
      props,
      instance: this.instance,
      securityGroup: this.proxySecurityGroup,
      databaseSecurityGroup: this.databaseSecurityGroup,
      authentication: this.authentication,
      port: this.port,
    });
    this.endpoint = this.proxy.endpoint;
    this.connections = new ec2.Connections({
      securityGroups: [this.proxySecurityGroup],
      defaultPort: ec2.Port.tcp(this.port),
    });
    if (props.databaseSecretRotation ?? true) {
      this.rotationSecurityGroup = addRotation(this, {
        props,
        secret: this.secret,
        databaseSecurityGroup: this.databaseSecurityGroup,
        port: this.port,
      });
    }
    if (props.databaseBackupPlan ?? true) {
      addBackupPlan(this, this.instance, this.encryptionKey, removalPolicy);
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

  private createKey(removalPolicy: RemovalPolicy): kms.Key {
    return new kms.Key(this, 'Key', {
      description: 'Encrypts the PostgreSQL storage, snapshots and credentials secret',
      enableKeyRotation: true,
      // Snapshots stay readable only while their key exists.
      removalPolicy: removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
  }
}
