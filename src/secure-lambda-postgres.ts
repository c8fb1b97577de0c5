import { Aws, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DatabaseBastion } from './bastion';
import { checkConnectionBudget, directClientsOf } from './capacity/check';
import { ConnectionBudget } from './capacity/options';
import { ENV } from './contract';
import { SecureDatabase } from './database';
import { PrivateEndpoints } from './endpoints';
import { DatabaseFunction } from './function';
import { BackendAlarms } from './monitoring';
import { addOperations } from './monitoring/setup';
import { SecureNetwork } from './network';
import { restrictGrantsToAwsServices } from './private/kms';
import { writeLocalMetadata } from './private/local-metadata';
import { keepExceptOnFailedCreate } from './private/removal';
import { createRestApi } from './private/rest-api';
import { defaultProxyBorrowTimeout, validateProxyBorrowTimeout } from './private/timeouts';
import { isOrigin } from './private/validate';
import { SecureLambdaPostgresProps } from './secure-lambda-postgres-props';

/**
 * API Gateway → Lambda in a VPC → RDS Proxy → RDS PostgreSQL, secure by default: private and
 * isolated subnets, least-privilege security groups, TLS to the proxy, credentials in Secrets
 * Manager, encryption with a customer-managed key, logs everywhere.
 */
export class SecureLambdaPostgres extends Construct {
  /** The network tier. */
  public readonly network: SecureNetwork;
  /** The VPC (created or passed in). */
  public readonly vpc: ec2.IVpc;
  /** The database tier: instance, proxy, secret and their security groups. */
  public readonly database: SecureDatabase;
  /** The RDS PostgreSQL instance. */
  public readonly databaseInstance: rds.DatabaseInstance;
  /** The RDS Proxy the function connects to. */
  public readonly proxy: rds.DatabaseProxy;
  /** The master credentials secret: administration only (no function serving requests may read it). */
  public readonly secret: secretsmanager.ISecret;
  /** The owner role's credentials secret, read by the migration function only. */
  public readonly ownerSecret: secretsmanager.ISecret;
  /** The application role's credentials secret, which the function reads; none with IAM authentication. */
  public readonly appSecret?: secretsmanager.ISecret;
  /** The deploy-time function that creates the roles and applies the migrations. */
  public readonly migrationFunction: lambda.Function;
  /** The key that encrypts storage, the secret and the log groups. */
  public readonly encryptionKey: kms.IKey;
  /** The function tier: the Lambda function, its security group and log group. */
  public readonly databaseFunction: DatabaseFunction;
  /** The Lambda function. */
  public readonly function: lambda.Function;
  /** The REST API in front of the function. */
  public readonly api: apigateway.LambdaRestApi;
  /** The API's invoke URL, ending in the stage name and a slash. */
  public readonly apiUrl: string;
  /** The API access log group. */
  public readonly apiAccessLogGroup: logs.LogGroup;
  /** Security group of the function. */
  public readonly functionSecurityGroup: ec2.SecurityGroup;
  /** Security group of the proxy. */
  public readonly proxySecurityGroup: ec2.SecurityGroup;
  /** Security group of the database instance. */
  public readonly databaseSecurityGroup: ec2.SecurityGroup;
  /** Security group of the secret rotation function, when rotation is on. */
  public readonly rotationSecurityGroup?: ec2.SecurityGroup;
  /** Security group of the migration function. */
  public readonly migrationSecurityGroup: ec2.SecurityGroup;
  /** The VPC endpoints, when `vpcEndpoints` is on. */
  public readonly endpoints?: PrivateEndpoints;
  /** Security group of the interface endpoints, when `vpcEndpoints` is on. */
  public readonly endpointsSecurityGroup?: ec2.SecurityGroup;
  /** The bastion, when `bastion` is on. */
  public readonly bastion?: DatabaseBastion;
  /** Security group of the bastion, when `bastion` is on. */
  public readonly bastionSecurityGroup?: ec2.SecurityGroup;
  /** The connection budget checked at synth, when the instance class is known. */
  public readonly connectionBudget?: ConnectionBudget;
  /** The alarms, when `alarms` is on. */
  public readonly alarms?: BackendAlarms;
  /** The topic the alarms notify, when `alarms` is on. */
  public readonly alarmTopic?: sns.ITopic;
  /** The dashboard, when `dashboard` is on. */
  public readonly dashboard?: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: SecureLambdaPostgresProps = {}) {
    super(scope, id);
    validateProps(props);

    this.encryptionKey = props.encryptionKey ?? this.createKey(props.databaseRemovalPolicy);
    this.network = new SecureNetwork(this, 'Network', { ...props, logEncryptionKey: this.encryptionKey });
    this.vpc = this.network.vpc;
    validateEgress(props, this.network.hasInternetEgress);
    if (props.vpcEndpoints) {
      this.endpoints = new PrivateEndpoints(this, 'Endpoints', {
        vpc: this.vpc,
        subnets: this.network.applicationSubnets,
        additionalInterfaceEndpoints: props.additionalInterfaceEndpoints,
      });
      this.endpointsSecurityGroup = this.endpoints.securityGroup;
    }

    this.database = new SecureDatabase(this, 'Database', {
      ...props,
      proxyBorrowTimeout: props.proxyBorrowTimeout ?? defaultProxyBorrowTimeout(props.functionTimeout),
      vpc: this.vpc,
      databaseSubnets: this.network.databaseSubnets,
      proxySubnets: this.network.applicationSubnets,
      encryptionKey: this.encryptionKey,
      logEncryptionKey: this.encryptionKey,
      secretsManagerEndpoint: this.endpoints?.secretsManager,
    });
    this.databaseInstance = this.database.instance;
    this.proxy = this.database.proxy;
    this.secret = this.database.secret;
    this.proxySecurityGroup = this.database.proxySecurityGroup;
    this.databaseSecurityGroup = this.database.databaseSecurityGroup;
    this.rotationSecurityGroup = this.database.rotationSecurityGroup;
    this.ownerSecret = this.database.ownerSecret;
    this.appSecret = this.database.appSecret;
    this.migrationFunction = this.database.migrationFunction;
    this.migrationSecurityGroup = this.database.migrationSecurityGroup;

    const budget = checkConnectionBudget(this, {
      instanceType: props.databaseInstanceType,
      proxyMaxConnectionsPercent: props.proxyMaxConnectionsPercent,
      connectionsPerContainer: props.functionConnectionsPerContainer,
      reservedConcurrency: props.functionReservedConcurrency,
      concurrencyFromBudget: props.functionConcurrencyFromBudget,
      directClients: directClientsOf(this.database),
    });
    this.connectionBudget = budget.budget;

    this.databaseFunction = new DatabaseFunction(this, 'Function', {
      ...props,
      functionReservedConcurrency: budget.reservedConcurrency,
      vpc: this.vpc,
      subnets: this.network.applicationSubnets,
      database: this.database,
      encryptionKey: this.encryptionKey,
    });
    this.function = this.databaseFunction.function;
    this.functionSecurityGroup = this.databaseFunction.securityGroup;

    if (props.bastion) {
      this.bastion = this.createBastion(props);
      this.bastionSecurityGroup = this.bastion.securityGroup;
    }
    this.allowHttps();

    const corsOrigins = props.apiCorsAllowedOrigins ?? props.clerkAuthorizedParties ?? [];
    const rest = createRestApi(this, {
      options: props,
      handler: this.function,
      encryptionKey: this.encryptionKey,
      defaultHandlerRoutes: !props.functionCode,
      corsOrigins,
    });
    this.api = rest.api;
    this.apiAccessLogGroup = rest.accessLogGroup;
    this.apiUrl = this.api.url;
    if (corsOrigins.length > 0) {
      this.function.addEnvironment(ENV.CORS_ALLOWED_ORIGINS, corsOrigins.join(','));
    }

    const operations = addOperations(this, {
      ...props,
      resources: {
        apiStage: this.api.deploymentStage,
        function: this.function,
        proxy: this.proxy,
        instance: this.databaseInstance,
        rotationFunctionNames: this.database.rotationFunctionNames,
        natInstances: this.network.natInstances,
      },
      encryptionKey: this.encryptionKey,
      functionConcurrencyCap: budget.reservedConcurrency ?? budget.budget?.concurrencyLimit,
      maxConnections: budget.budget?.maxConnections,
    });
    this.alarms = operations.alarms;
    this.alarmTopic = operations.alarmTopic;
    this.dashboard = operations.dashboard;
    writeLocalMetadata({
      construct: this,
      function: this.function,
      restApi: this.api,
      stage: this.api.deploymentStage,
      proxy: this.proxy,
      database: this.databaseInstance,
      secret: this.secret,
      migrationFunction: this.migrationFunction,
    });
  }

  private createBastion(props: SecureLambdaPostgresProps): DatabaseBastion {
    const bastion = new DatabaseBastion(this, 'Bastion', {
      vpc: this.vpc,
      subnets: this.network.applicationSubnets,
      database: this.database,
      instanceType: props.bastionInstanceType,
    });
    if (!this.network.hasInternetEgress) {
      // Session Manager has to be reachable without NAT.
      this.endpoints!.addInterfaceEndpoint('Ssm', ec2.InterfaceVpcEndpointAwsService.SSM);
      this.endpoints!.addInterfaceEndpoint('SsmMessages', ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES);
      this.endpoints!.addInterfaceEndpoint('Ec2Messages', ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES);
    }
    return bastion;
  }

  /**
   * HTTPS out: to the interface endpoints when there are some, and to the internet through NAT
   * only for what needs it there. The function keeps it (Clerk's JWKS, and whatever your code
   * calls); the rotation and migration functions and the bastion need it only for AWS APIs that
   * no endpoint serves (Secrets Manager; SSM, whose endpoints exist only without NAT).
   */
  private allowHttps(): void {
    const internet = this.network.hasInternetEgress;
    const clients: Array<[ec2.IConnectable, boolean]> = [[this.databaseFunction, internet]];
    if (this.rotationSecurityGroup) clients.push([this.rotationSecurityGroup, internet && !this.endpoints]);
    clients.push([this.migrationSecurityGroup, internet && !this.endpoints]);
    // The migration function reads its secrets on the first deployment: the endpoints and their rules first.
    if (this.endpoints) this.database.migrationTrigger?.executeAfter(this.endpoints);
    if (this.bastion) clients.push([this.bastion, internet]);
    for (const [client, toInternet] of clients) {
      this.endpoints?.allowFrom(client);
      if (toInternet) {
        client.connections.allowToAnyIpv4(ec2.Port.tcp(443), 'HTTPS to the internet through NAT');
      }
    }
  }

  private createKey(databaseRemovalPolicy?: RemovalPolicy): kms.Key {
    const key = new kms.Key(this, 'Key', {
      description: 'Encrypts the database storage, credentials secret and log groups',
      enableKeyRotation: true,
      removalPolicy: keepExceptOnFailedCreate(databaseRemovalPolicy),
    });
    restrictGrantsToAwsServices(key);
    // CloudWatch Logs encrypts log groups with the key only when the key policy lets it.
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${Stack.of(this).region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
        },
      },
    }));
    return key;
  }
}

function validateEgress(props: SecureLambdaPostgresProps, internet: boolean): void {
  if (internet) return;
  if (!props.vpcEndpoints) {
    throw new Error('The application subnets have no route to the internet (natGateways: 0, or isolated applicationSubnets), so the function could not reach Secrets Manager: set vpcEndpoints: true, or keep at least one NAT gateway.');
  }
  if (props.clerkSecretKey) {
    throw new Error('clerkSecretKey verifies tokens against Clerk over the internet, but the application subnets have no route to it: pass clerkJwtKey for networkless verification, or keep at least one NAT gateway.');
  }
}

function validateProps(props: SecureLambdaPostgresProps): void {
  validateProxyBorrowTimeout(props.proxyBorrowTimeout, props.functionTimeout);
  if (props.additionalInterfaceEndpoints && !props.vpcEndpoints) {
    throw new Error('additionalInterfaceEndpoints requires vpcEndpoints: true.');
  }
  if (props.bastionInstanceType && !props.bastion) {
    throw new Error('bastionInstanceType requires bastion: true.');
  }
  for (const origin of props.apiCorsAllowedOrigins ?? []) {
    if (!isOrigin(origin)) {
      throw new Error(`apiCorsAllowedOrigins entries are origins like 'https://app.example.com' (scheme and host, no path, no '*'), got '${origin}'.`);
    }
  }
  for (const prop of ['apiThrottlingRateLimit', 'apiThrottlingBurstLimit'] as const) {
    const value = props[prop];
    if (value !== undefined && !Token.isUnresolved(value) && !(value > 0)) {
      throw new Error(`${prop} must be greater than 0, got ${value}.`);
    }
  }
}
