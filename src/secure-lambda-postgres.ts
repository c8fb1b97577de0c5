import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DatabaseBastion } from './bastion';
import { BudgetOutcome, checkConnectionBudget, directClientsOf } from './capacity/check';
import { ConnectionBudget } from './capacity/options';
import { ENV } from './contract';
import { SecureDatabase } from './database';
import { PrivateEndpoints } from './endpoints';
import { DatabaseFunction } from './function';
import { BackendAlarms } from './monitoring';
import { addOperations, Operations } from './monitoring/setup';
import { SecureNetwork } from './network';
import { createEncryptionKey } from './private/kms';
import { writeLocalMetadata } from './private/local-metadata';
import { validateEgress, validateProps } from './private/props-validation';
import { createRestApi, RestApiParts } from './private/rest-api';
import { databaseOptions, functionOptions, monitoringOptions, networkOptions, restApiOptions } from './private/tier-options';
import { appRoleTimeouts, resolveProxyBorrowTimeout } from './private/timeouts';
import { SecureLambdaPostgresProps } from './secure-lambda-postgres-props';

/**
 * API Gateway → Lambda in a VPC → RDS Proxy → RDS PostgreSQL, secure by default: private and
 * isolated subnets, least-privilege security groups, TLS to the proxy, credentials in Secrets
 * Manager, encryption with a customer-managed key, logs everywhere.
 */
export class SecureLambdaPostgres extends Construct {
  /** The network tier. */
  public readonly network: SecureNetwork;
  /** The database tier: instance, proxy, secret and their security groups. */
  public readonly database: SecureDatabase;
  /** The key that encrypts storage, the secret and the log groups. */
  public readonly encryptionKey: kms.IKey;
  /** The function tier: the Lambda function, its security group and log group. */
  public readonly databaseFunction: DatabaseFunction;
  /** The REST API in front of the function. */
  public readonly api: apigateway.LambdaRestApi;
  /** The API access log group. */
  public readonly apiAccessLogGroup: logs.LogGroup;
  /** The VPC endpoints, when `vpcEndpoints` is on. */
  public readonly endpoints?: PrivateEndpoints;
  /** The bastion, when `bastion` is on. */
  public readonly bastion?: DatabaseBastion;
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
    validateProps(this, props);
    this.encryptionKey = props.encryptionKey ?? createEncryptionKey(this, {
      description: 'Encrypts the database storage, credentials secret and log groups',
      removalPolicy: props.databaseRemovalPolicy,
      forLogGroups: true,
    });
    this.network = new SecureNetwork(this, 'Network', { ...networkOptions(props), logEncryptionKey: this.encryptionKey });
    validateEgress(this, props, this.network.hasInternetEgress);
    if (props.vpcEndpoints) this.endpoints = this.createEndpoints(props);
    this.database = new SecureDatabase(this, 'Database', {
      ...databaseOptions(props),
      // The one rule for both entry points, here with the function's timeout.
      proxyBorrowTimeout: resolveProxyBorrowTimeout(props.proxyBorrowTimeout, props.functionTimeout),
      vpc: this.vpc,
      databaseSubnets: this.network.databaseSubnets,
      proxySubnets: this.network.applicationSubnets,
      encryptionKey: this.encryptionKey,
      logEncryptionKey: this.encryptionKey,
      secretsManagerEndpoint: this.endpoints?.secretsManager,
    });
    const budget = this.checkBudget(props);
    this.connectionBudget = budget.budget;
    this.databaseFunction = new DatabaseFunction(this, 'Function', {
      ...functionOptions(props),
      functionReservedConcurrency: budget.reservedConcurrency,
      vpc: this.vpc,
      subnets: this.network.applicationSubnets,
      database: this.database,
      encryptionKey: this.encryptionKey,
    });
    this.setAppRoleTimeouts();
    if (props.bastion) this.bastion = this.createBastion(props);
    this.allowHttps();
    const rest = this.createApi(props);
    this.api = rest.api;
    this.apiAccessLogGroup = rest.accessLogGroup;
    const operations = this.addOperations(props, budget);
    this.alarms = operations.alarms;
    this.alarmTopic = operations.alarmTopic;
    this.dashboard = operations.dashboard;
    this.writeLocalMetadata();
  }

  /** The VPC (created or passed in). */
  public get vpc(): ec2.IVpc { return this.network.vpc; }
  /** The RDS PostgreSQL instance. */
  public get databaseInstance(): rds.DatabaseInstance { return this.database.instance; }
  /** The RDS Proxy the function connects to. */
  public get proxy(): rds.DatabaseProxy { return this.database.proxy; }
  /** The master credentials secret: administration only (no function serving requests may read it). */
  public get secret(): secretsmanager.ISecret { return this.database.secret; }
  /** The owner role's credentials secret, read by the migration function only. */
  public get ownerSecret(): secretsmanager.ISecret { return this.database.ownerSecret; }
  /** The application role's credentials secret, which the function reads; none with IAM authentication. */
  public get appSecret(): secretsmanager.ISecret | undefined { return this.database.appSecret; }
  /** The deploy-time function that creates the roles and applies the migrations. */
  public get migrationFunction(): lambda.Function { return this.database.migrationFunction; }
  /** The Lambda function. */
  public get function(): lambda.Function { return this.databaseFunction.function; }
  /** The API's invoke URL, ending in the stage name and a slash. */
  public get apiUrl(): string { return this.api.url; }
  /** Security group of the function. */
  public get functionSecurityGroup(): ec2.SecurityGroup { return this.databaseFunction.securityGroup; }
  /** Security group of the proxy. */
  public get proxySecurityGroup(): ec2.SecurityGroup { return this.database.proxySecurityGroup; }
  /** Security group of the database instance. */
  public get databaseSecurityGroup(): ec2.SecurityGroup { return this.database.databaseSecurityGroup; }
  /** Security group of the secret rotation function, when rotation is on. */
  public get rotationSecurityGroup(): ec2.SecurityGroup | undefined { return this.database.rotationSecurityGroup; }
  /** Security group of the migration function. */
  public get migrationSecurityGroup(): ec2.SecurityGroup { return this.database.migrationSecurityGroup; }
  /** Security group of the interface endpoints, when `vpcEndpoints` is on. */
  public get endpointsSecurityGroup(): ec2.SecurityGroup | undefined { return this.endpoints?.securityGroup; }
  /** Security group of the bastion, when `bastion` is on. */
  public get bastionSecurityGroup(): ec2.SecurityGroup | undefined { return this.bastion?.securityGroup; }

  private createEndpoints(props: SecureLambdaPostgresProps): PrivateEndpoints {
    return new PrivateEndpoints(this, 'Endpoints', {
      vpc: this.vpc,
      subnets: this.network.applicationSubnets,
      additionalInterfaceEndpoints: props.additionalInterfaceEndpoints,
    });
  }

  /** The connection budget of the database tier as it was resolved, against the function's concurrency. */
  private checkBudget(props: SecureLambdaPostgresProps): BudgetOutcome {
    return checkConnectionBudget(this, {
      instanceType: this.database.instanceType,
      proxyMaxConnectionsPercent: this.database.proxyMaxConnectionsPercent,
      connectionsPerContainer: props.functionConnectionsPerContainer,
      reservedConcurrency: props.functionReservedConcurrency,
      concurrencyFromBudget: props.functionConcurrencyFromBudget,
      directClients: directClientsOf(this.database),
    });
  }

  /** The REST API, with CORS for the API's origins in the function too. */
  private createApi(props: SecureLambdaPostgresProps): RestApiParts {
    const corsOrigins = props.apiCorsAllowedOrigins ?? props.clerkAuthorizedParties ?? [];
    const rest = createRestApi(this, {
      options: restApiOptions(props),
      handler: this.function,
      encryptionKey: this.encryptionKey,
      defaultHandlerRoutes: !props.functionCode,
      corsOrigins,
    });
    if (corsOrigins.length > 0) {
      this.function.addEnvironment(ENV.CORS_ALLOWED_ORIGINS, corsOrigins.join(','));
    }
    return rest;
  }

  /** Alarms and dashboard, with thresholds from the values the tiers resolved. */
  private addOperations(props: SecureLambdaPostgresProps, budget: BudgetOutcome): Operations {
    return addOperations(this, {
      options: monitoringOptions(props),
      resources: {
        apiStage: this.api.deploymentStage,
        function: this.function,
        proxy: this.proxy,
        instance: this.databaseInstance,
        rotationFunctionNames: this.database.rotationFunctionNames,
        natInstances: this.network.natInstances,
      },
      encryptionKey: this.encryptionKey,
      functionTimeout: this.databaseFunction.timeout,
      functionConcurrencyCap: budget.reservedConcurrency ?? budget.budget?.concurrencyLimit,
      databaseInstanceType: this.database.instanceType,
      databaseAllocatedStorage: this.database.allocatedStorage,
      maxConnections: budget.budget?.maxConnections,
    });
  }

  /** The app role's timeouts follow this function's (the database alone assumes the default one). */
  private setAppRoleTimeouts(): void {
    for (const [name, value] of Object.entries(appRoleTimeouts(this.databaseFunction.timeout))) {
      this.database.migrationFunction.addEnvironment(name, value);
    }
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

  private writeLocalMetadata(): void {
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
}
