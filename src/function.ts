import { Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { DB_AUTH_MODES, ENV } from './contract';
import { DatabaseAuthentication, ISecureDatabase } from './database';
import { ApiFunction } from './handler/api-function';
import { validateClerkJwtKey } from './private/clerk-key';
import { DEFAULTS } from './private/defaults';
import { invalid } from './private/errors';
import { acknowledgeFunctionRules } from './private/function-nag';
import { keepExceptOnFailedCreate } from './private/removal';
import { closedSecurityGroup } from './private/security-group';
import { functionTimeoutMillis } from './private/timeouts';
import { checkEnum, isOrigin, isWholeNumberIn } from './private/validate';

/** Settings of the function, shared by `DatabaseFunction` and `SecureLambdaPostgres`. */
export interface DatabaseFunctionOptions {
  /**
   * Your own code instead of the default handler. The function keeps its VPC placement,
   * security group, environment contract and grants. Requires `functionHandler`.
   *
   * @default - the bundled default handler (Clerk-verified routes over the proxy)
   */
  readonly functionCode?: lambda.Code;

  /**
   * Handler of `functionCode`, e.g. `index.handler`. Only with `functionCode`.
   *
   * @default - the default handler's entry point
   */
  readonly functionHandler?: string;

  /**
   * Runtime of `functionCode`. Only with `functionCode`.
   *
   * @default lambda.Runtime.NODEJS_24_X
   */
  readonly functionRuntime?: lambda.Runtime;

  /**
   * Memory in MiB (CPU scales with it, and so does cold-start speed).
   *
   * @default 512
   */
  readonly functionMemorySize?: number;

  /**
   * Timeout of one invocation. API Gateway gives up after 29 seconds.
   *
   * @default Duration.seconds(10)
   */
  readonly functionTimeout?: Duration;

  /**
   * Reserved concurrency: caps the connections the function can open through the proxy.
   *
   * @default - unreserved (the account's pool)
   */
  readonly functionReservedConcurrency?: number;

  /**
   * Retention of the function's log group.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly functionLogRetention?: logs.RetentionDays;

  /**
   * X-Ray tracing mode.
   *
   * @default lambda.Tracing.ACTIVE
   */
  readonly functionTracing?: lambda.Tracing;

  /**
   * Extra environment variables. Never put secret values here: pass secrets by ARN.
   *
   * @default - only the connection and Clerk contract
   */
  readonly functionEnvironment?: { [key: string]: string };

  /**
   * Clerk PEM public key (Dashboard → API keys → JWT public key) for networkless session-token
   * verification. May be a token, e.g. `ssm.StringParameter.valueForStringParameter(...)`.
   * A public key, so it is passed in the environment.
   *
   * @default - no networkless verification
   */
  readonly clerkJwtKey?: string;

  /**
   * Secret holding the Clerk secret key (plain string), used to fetch Clerk's JWKS when no
   * `clerkJwtKey` is given. The function is granted read access; the value never enters the
   * template or the environment. Needs outbound internet (NAT) to reach Clerk.
   *
   * @default - no JWKS verification
   */
  readonly clerkSecretKey?: secretsmanager.ISecret;

  /**
   * Issuer session tokens must carry (`iss`): your Clerk Frontend API URL (Dashboard → API keys
   * → Frontend API URL), e.g. `https://clerk.example.com`. Tokens of another Clerk instance are
   * then rejected with `token-invalid-issuer`.
   *
   * @default - `iss` is not checked (the signature already binds tokens to your instance's key)
   */
  readonly clerkIssuer?: string;

  /**
   * Origins allowed in a session token's `azp` claim, e.g. `['https://app.example.com']`.
   *
   * @default - the `azp` claim is not checked
   */
  readonly clerkAuthorizedParties?: string[];
}

/** Properties of `DatabaseFunction`. */
export interface DatabaseFunctionProps extends DatabaseFunctionOptions {
  /** The VPC. */
  readonly vpc: ec2.IVpc;
  /** Private subnets for the function's network interfaces. */
  readonly subnets: ec2.SubnetSelection;
  /** The database the function connects to through its proxy. */
  readonly database: ISecureDatabase;

  /**
   * Key that encrypts the function's log group and environment. Its policy must let
   * CloudWatch Logs use it.
   *
   * @default - AWS-managed encryption
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * A Lambda function in private subnets, wired to a `SecureDatabase`: a security group with no
 * ingress and egress only to the proxy, the connection contract in its environment, and the
 * grant to log in. Runs the default handler unless given `functionCode`.
 */
export class DatabaseFunction extends Construct implements ec2.IConnectable {
  /** The function. */
  public readonly function: lambda.Function;
  /** The function's security group: no ingress; egress to the proxy and what is added. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The function's log group. */
  public readonly logGroup: logs.LogGroup;
  /** The function's network access. */
  public readonly connections: ec2.Connections;
  /** Timeout of one invocation: `functionTimeout` or its default. */
  public readonly timeout: Duration;
  /** Memory in MiB: `functionMemorySize` or its default. */
  public readonly memorySize: number;

  constructor(scope: Construct, id: string, props: DatabaseFunctionProps) {
    super(scope, id);
    validateFunctionOptions(this, props);
    this.timeout = props.functionTimeout ?? DEFAULTS.functionTimeout;
    this.memorySize = props.functionMemorySize ?? DEFAULTS.functionMemorySize;
    const tracing = props.functionTracing ?? DEFAULTS.functionTracing;

    this.securityGroup = closedSecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Lambda function: no ingress; egress to the proxy and HTTPS only',
    });
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.functionLogRetention ?? DEFAULTS.functionLogRetention,
      encryptionKey: props.encryptionKey,
      removalPolicy: keepExceptOnFailedCreate(),
    });

    const database = props.database;
    const environment: { [key: string]: string } = {
      ...props.functionEnvironment,
      [ENV.DB_HOST]: database.endpoint,
      [ENV.DB_PORT]: Token.isUnresolved(database.port) ? Token.asString(database.port) : String(database.port),
      [ENV.DB_NAME]: database.databaseName,
      [ENV.DB_USER]: database.username,
      [ENV.DB_AUTH_MODE]: database.authentication === DatabaseAuthentication.IAM ? DB_AUTH_MODES.IAM : DB_AUTH_MODES.PASSWORD,
    };
    if (database.authentication === DatabaseAuthentication.PASSWORD) {
      if (!database.appSecret) {
        throw invalid(this, 'A database with password authentication must have an appSecret: the secret of the role the function logs in as.');
      }
      environment[ENV.DB_SECRET_ARN] = database.appSecret.secretArn;
    }
    const timeoutMillis = functionTimeoutMillis(this.timeout);
    if (timeoutMillis !== undefined) {
      // The budget every wait of a request is derived from (the handler's deadline).
      environment[ENV.FUNCTION_TIMEOUT_MS] = timeoutMillis;
    }
    if (props.clerkJwtKey !== undefined) {
      environment[ENV.CLERK_JWT_KEY] = props.clerkJwtKey;
    }
    if (props.clerkSecretKey) {
      environment[ENV.CLERK_SECRET_KEY_ARN] = props.clerkSecretKey.secretArn;
    }
    if (props.clerkIssuer !== undefined) {
      environment[ENV.CLERK_ISSUER] = props.clerkIssuer;
    }
    if (props.clerkAuthorizedParties && props.clerkAuthorizedParties.length > 0) {
      environment[ENV.CLERK_AUTHORIZED_PARTIES] = props.clerkAuthorizedParties.join(',');
    }

    const common: lambda.FunctionOptions = {
      description: 'API handler: verifies Clerk session tokens and queries PostgreSQL through RDS Proxy',
      architecture: lambda.Architecture.ARM_64,
      memorySize: this.memorySize,
      timeout: this.timeout,
      reservedConcurrentExecutions: props.functionReservedConcurrency,
      tracing,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment,
      environmentEncryption: props.encryptionKey,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [this.securityGroup],
    };
    this.function = props.functionCode
      ? new lambda.Function(this, 'Resource', {
        ...common,
        code: props.functionCode,
        handler: props.functionHandler!,
        runtime: props.functionRuntime ?? DEFAULTS.functionRuntime,
      })
      : new ApiFunction(this, 'Resource', common);

    this.connections = this.function.connections;
    database.connections.allowDefaultPortFrom(this.function, 'Lambda function to the proxy');
    database.grantConnect(this.function);
    // The roles (and the schema its code expects) exist before a new version of the code runs. Only
    // the function resource waits: its role is in the key's policy, which the instance depends on.
    database.migrationTrigger?.executeBefore(this.function.node.defaultChild as Construct);
    props.clerkSecretKey?.grantRead(this.function);
    acknowledgeFunctionRules(this.function, {
      dlq: DLQ_REASON,
      concurrency: props.functionReservedConcurrency === undefined ? CONCURRENCY_REASON : undefined,
      tracing: tracing !== lambda.Tracing.DISABLED,
    });
  }
}

const DLQ_REASON = 'API Gateway invokes the function synchronously and returns its errors to the caller; a dead-letter queue only receives failed asynchronous invocations.';
const CONCURRENCY_REASON = 'Not reserved by default: reserving fails in accounts whose limit leaves under 100 unreserved (new accounts start at 10), and stage throttling bounds the load. The connection budget warns at synth with the cap the database allows; set functionConcurrencyFromBudget: true (or functionReservedConcurrency) to reserve it.';

function validateFunctionOptions(scope: IConstruct, props: DatabaseFunctionOptions): void {
  checkEnum(scope, 'functionTracing', props.functionTracing, 'Tracing', lambda.Tracing);
  checkEnum(scope, 'functionLogRetention', props.functionLogRetention, 'RetentionDays', logs.RetentionDays);
  if (props.functionCode && !props.functionHandler) {
    throw invalid(scope, "functionCode needs functionHandler (for example 'index.handler').");
  }
  if (!props.functionCode && (props.functionHandler || props.functionRuntime)) {
    throw invalid(scope, 'functionHandler and functionRuntime apply to your own functionCode; pass functionCode too, or drop them to use the default handler.');
  }
  const memory = props.functionMemorySize;
  if (!isWholeNumberIn(memory, 128, 10240)) {
    throw invalid(scope, `functionMemorySize must be a whole number of MiB from 128 to 10240, got ${memory}.`);
  }
  const timeout = props.functionTimeout;
  if (timeout && !Token.isUnresolved(timeout.toSeconds()) && timeout.toSeconds() > 29) {
    throw invalid(scope, `functionTimeout must be at most 29 seconds: API Gateway stops waiting after 29 seconds, got ${timeout.toHumanString()}.`);
  }
  if (timeout && !props.functionCode && !Token.isUnresolved(timeout.toSeconds()) && timeout.toSeconds() < 3) {
    throw invalid(scope, `functionTimeout must be at least 3 seconds with the default handler: it stops waiting 1.25 seconds before the timeout to answer 503 in time, and a cold start needs the rest, got ${timeout.toHumanString()}.`);
  }
  const reserved = props.functionReservedConcurrency;
  if (!isWholeNumberIn(reserved, 1)) {
    throw invalid(scope, `functionReservedConcurrency must be a whole number of at least 1, got ${reserved}.`);
  }
  validateClerkJwtKey(scope, props.clerkJwtKey);
  if (props.clerkIssuer !== undefined && !isOrigin(props.clerkIssuer, true)) {
    throw invalid(scope, `clerkIssuer is your Clerk Frontend API URL, like 'https://clerk.example.com' (https, no path; Dashboard → API keys → Frontend API URL), got '${props.clerkIssuer}'.`);
  }
  for (const party of props.clerkAuthorizedParties ?? []) {
    if (!isOrigin(party)) {
      throw invalid(scope, `clerkAuthorizedParties entries are origins like 'https://app.example.com' (scheme and host, no path or comma), got '${party}'.`);
    }
  }
}
