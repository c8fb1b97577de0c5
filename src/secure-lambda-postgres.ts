import { Aws, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { DatabaseBastion } from './bastion';
import { SecureDatabase, SecureDatabaseOptions } from './database';
import { PrivateEndpoints } from './endpoints';
import { DatabaseFunction, DatabaseFunctionOptions } from './function';
import { SecureNetwork, SecureNetworkOptions } from './network';
import { acknowledge, inPacks, managedPolicy, skipCheckov } from './private/nag';
import { defaultProxyBorrowTimeout, validateProxyBorrowTimeout } from './private/timeouts';

/** Properties of `SecureLambdaPostgres`. Every one is optional; the defaults are secure. */
export interface SecureLambdaPostgresProps extends SecureNetworkOptions, SecureDatabaseOptions, DatabaseFunctionOptions {
  /**
   * Whether to create VPC endpoints (S3 gateway; Secrets Manager and CloudWatch Logs interface
   * endpoints with private DNS) so AWS calls stay inside the VPC.
   *
   * @default false
   */
  readonly vpcEndpoints?: boolean;

  /**
   * Further interface endpoints, behind the same security group. Requires `vpcEndpoints`.
   *
   * @default - none
   */
  readonly additionalInterfaceEndpoints?: ec2.InterfaceVpcEndpointAwsService[];

  /**
   * Whether to create an SSM-managed bastion for port forwarding to the database.
   *
   * @default false
   */
  readonly bastion?: boolean;

  /**
   * Instance type of the bastion. Requires `bastion`.
   *
   * @default t4g.nano
   */
  readonly bastionInstanceType?: ec2.InstanceType;

  /**
   * Customer-managed key for the database storage, the secret and every log group. When you
   * pass your own, its policy must let CloudWatch Logs in this region use it.
   *
   * @default - a new key with automatic rotation
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Name of the API stage (the first path segment of `apiUrl`).
   *
   * @default 'prod'
   */
  readonly apiStageName?: string;

  /**
   * Steady-state request rate limit of the API stage, per second.
   *
   * @default 50
   */
  readonly apiThrottlingRateLimit?: number;

  /**
   * Burst limit of the API stage.
   *
   * @default 100
   */
  readonly apiThrottlingBurstLimit?: number;

  /**
   * Retention of the API access log.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly apiAccessLogRetention?: logs.RetentionDays;

  /**
   * ARN of an AWS WAF web ACL (regional) to associate with the API stage.
   *
   * @default - no web ACL
   */
  readonly apiWebAclArn?: string;

  /**
   * Whether to set up the account-wide role API Gateway needs to write execution logs
   * (`AWS::ApiGateway::Account`). Turn off when the account already has one.
   *
   * @default true
   */
  readonly apiCloudWatchRole?: boolean;
}

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
  /** The database credentials secret. */
  public readonly secret: secretsmanager.ISecret;
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
  /** The VPC endpoints, when `vpcEndpoints` is on. */
  public readonly endpoints?: PrivateEndpoints;
  /** Security group of the interface endpoints, when `vpcEndpoints` is on. */
  public readonly endpointsSecurityGroup?: ec2.SecurityGroup;
  /** The bastion, when `bastion` is on. */
  public readonly bastion?: DatabaseBastion;
  /** Security group of the bastion, when `bastion` is on. */
  public readonly bastionSecurityGroup?: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: SecureLambdaPostgresProps = {}) {
    super(scope, id);
    validateProps(props);

    this.encryptionKey = props.encryptionKey ?? this.createKey();

    this.network = new SecureNetwork(this, 'Network', {
      ...props,
      logEncryptionKey: this.encryptionKey,
    });
    this.vpc = this.network.vpc;
    const internet = this.network.hasInternetEgress;
    if (!internet) {
      if (!props.vpcEndpoints) {
        throw new Error('The application subnets have no route to the internet (natGateways: 0, or isolated applicationSubnets), so the function could not reach Secrets Manager: set vpcEndpoints: true, or keep at least one NAT gateway.');
      }
      if (props.clerkSecretKey) {
        throw new Error('clerkSecretKey verifies tokens against Clerk over the internet, but the application subnets have no route to it: pass clerkJwtKey for networkless verification, or keep at least one NAT gateway.');
      }
    }

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

    this.databaseFunction = new DatabaseFunction(this, 'Function', {
      ...props,
      vpc: this.vpc,
      subnets: this.network.applicationSubnets,
      database: this.database,
      encryptionKey: this.encryptionKey,
    });
    this.function = this.databaseFunction.function;
    this.functionSecurityGroup = this.databaseFunction.securityGroup;

    // HTTPS out: to the interface endpoints when there are some, and to the internet through NAT
    // (Clerk, and AWS APIs without an endpoint) when there is a route.
    const httpsClients: ec2.IConnectable[] = [this.databaseFunction];
    if (this.rotationSecurityGroup) httpsClients.push(this.rotationSecurityGroup);

    if (props.bastion) {
      this.bastion = new DatabaseBastion(this, 'Bastion', {
        vpc: this.vpc,
        subnets: this.network.applicationSubnets,
        database: this.database,
        instanceType: props.bastionInstanceType,
      });
      this.bastionSecurityGroup = this.bastion.securityGroup;
      if (!internet) {
        // Session Manager has to be reachable without NAT.
        this.endpoints!.addInterfaceEndpoint('Ssm', ec2.InterfaceVpcEndpointAwsService.SSM);
        this.endpoints!.addInterfaceEndpoint('SsmMessages', ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES);
        this.endpoints!.addInterfaceEndpoint('Ec2Messages', ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES);
      }
      httpsClients.push(this.bastion);
    }

    for (const client of httpsClients) {
      this.endpoints?.allowFrom(client);
      if (internet) {
        client.connections.allowToAnyIpv4(ec2.Port.tcp(443), 'HTTPS to the internet through NAT');
      }
    }

    this.apiAccessLogGroup = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: props.apiAccessLogRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: this.encryptionKey,
    });
    this.api = new apigateway.LambdaRestApi(this, 'Api', {
      handler: this.function,
      proxy: true,
      description: 'Clerk-authenticated API backed by PostgreSQL',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      cloudWatchRole: props.apiCloudWatchRole ?? true,
      deployOptions: {
        stageName: props.apiStageName ?? 'prod',
        throttlingRateLimit: props.apiThrottlingRateLimit ?? 50,
        throttlingBurstLimit: props.apiThrottlingBurstLimit ?? 100,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        // Full request logging would write Authorization headers into the execution log.
        dataTraceEnabled: false,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.apiAccessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: false,
        }),
      },
    });
    this.apiUrl = this.api.url;
    if (props.apiWebAclArn) {
      new wafv2.CfnWebACLAssociation(this, 'ApiWebAcl', {
        resourceArn: this.api.deploymentStage.stageArn,
        webAclArn: props.apiWebAclArn,
      });
    }
    this.acknowledgeApiRules(props);
  }

  private acknowledgeApiRules(props: SecureLambdaPostgresProps): void {
    const clerk = 'Requests are authenticated inside the function, which verifies Clerk session tokens (signature, expiry, authorized parties) and answers 401; API Gateway has no Clerk authorizer and Cognito is not the identity provider.';
    for (const method of this.api.methods) {
      acknowledge(method, [{ id: 'AwsSolutions-APIG4', reason: clerk }, { id: 'AwsSolutions-COG4', reason: clerk }]);
      skipCheckov(method, [{ id: 'CKV_AWS_59', comment: clerk }]);
    }
    acknowledge(this.api, [{
      id: 'AwsSolutions-APIG2',
      reason: 'The proxy integration forwards every path to the function, which validates method, path, headers and token itself and answers JSON 4xx; there is no request model to validate against.',
    }]);
    const noCache = 'Caching is off: every response depends on the caller and the database, and cached authenticated responses could leak between users.';
    skipCheckov(this.api.deploymentStage, [{ id: 'CKV_AWS_120', comment: noCache }]);
    const waf = 'No web ACL by default: WAF rules and their cost are an account decision. Pass apiWebAclArn to associate one.';
    acknowledge(this.api.deploymentStage, [
      ...(props.apiWebAclArn ? [] : [{ id: 'AwsSolutions-APIG3', reason: waf }, ...inPacks('APIGWAssociatedWithWAF', waf, ['NIST.800.53.R5', 'PCI.DSS.321'])]),
      ...inPacks('APIGWCacheEnabledAndEncrypted', noCache),
      ...inPacks('APIGWSSLEnabled', 'A client certificate authenticates API Gateway to HTTP backends; this API integrates with Lambda, which API Gateway invokes through IAM.'),
    ]);
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      acknowledge(cloudWatchRole, [{
        id: 'AwsSolutions-IAM4',
        appliesTo: [managedPolicy('service-role/AmazonAPIGatewayPushToCloudWatchLogs')],
        reason: 'The AWS managed policy API Gateway requires for its account-wide logging role; assumable only by API Gateway.',
      }]);
    }
  }

  private createKey(): kms.Key {
    const key = new kms.Key(this, 'Key', {
      description: 'Encrypts the database storage, credentials secret and log groups',
      enableKeyRotation: true,
    });
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

function validateProps(props: SecureLambdaPostgresProps): void {
  validateProxyBorrowTimeout(props.proxyBorrowTimeout, props.functionTimeout);
  if (props.additionalInterfaceEndpoints && !props.vpcEndpoints) {
    throw new Error('additionalInterfaceEndpoints requires vpcEndpoints: true.');
  }
  if (props.bastionInstanceType && !props.bastion) {
    throw new Error('bastionInstanceType requires bastion: true.');
  }
  for (const prop of ['apiThrottlingRateLimit', 'apiThrottlingBurstLimit'] as const) {
    const value = props[prop];
    if (value !== undefined && !Token.isUnresolved(value) && !(value > 0)) {
      throw new Error(`${prop} must be greater than 0, got ${value}.`);
    }
  }
}
