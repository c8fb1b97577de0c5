// Shared pieces of the integration tests (test/integ.*.ts). Not named integ.* itself, so neither
// integ-runner nor jest picks it up as a test.
import { ExpectedResult, IApiCall, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicies, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { SecureLambdaPostgres, SecureLambdaPostgresProps } from '../src';
import { ExternalConnectionProbe } from './integ-probe';
import { DEFAULT_DB_PORT } from '../src/contract';

/**
 * The app of an integration test. Without the CLI, nothing turns off the construct creation stack
 * traces, and integ-runner would write them — absolute paths and line numbers of this checkout —
 * into every snapshot's metadata.
 */
export function integApp(): App {
  return new App({ context: { [cxapi.DISABLE_CREATION_STACK_TRACES]: true } });
}

/**
 * What a test stack changes from the defaults so that `integ-runner` can deploy it and then
 * destroy it without leaving a database, snapshots or a backup vault behind. Production keeps the
 * defaults (deletion protection, a final snapshot, an AWS Backup plan with a retained vault), each
 * of which would make the teardown fail or leave billable resources in the account.
 */
export const TEST_TEARDOWN_PROPS = {
  // With protection on, CloudFormation cannot delete the instance and the destroy step fails.
  databaseDeletionProtection: false,
  // The default SNAPSHOT keeps a final snapshot (and RETAINs the log groups and secret) per run.
  databaseRemovalPolicy: RemovalPolicy.DESTROY,
  // The plan's vault would be retained, and a vault holding recovery points cannot be deleted.
  databaseBackupPlan: false,
} satisfies SecureLambdaPostgresProps;

/**
 * A Clerk-style RSA-2048 public key whose private key was thrown away when it was generated: with
 * it configured, `/me` answers 401 for missing or forged tokens instead of 500
 * `clerk-not-configured`, and nobody can sign a token it accepts. A public key, not a secret.
 */
export const TEST_CLERK_JWT_KEY = [
  '-----BEGIN PUBLIC KEY-----',
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAnRlW3w5L3+GQQrpWsktJ',
  'RdLibbafOBx+PeXpg6Asy2S3ClBxun0XjZ7Ek/sCOMrp/1NE4FpnSuKDfo2qdEdh',
  '9nPKFf8Iv6BvNX/0k5ytMmg9o0XPNtVeEDrUq1D6k099PvQomgCncuZQz/dq9ZHw',
  'qN5iobq9JZ5tGO+ZPYiPC7kRH+6hEHi7pp8oDcz8pZUdkDYZKJJ+HOO1zV0ndRx2',
  'CoqBtl9svWedoNZntC64z/nCpXjTouVYUmVAnde7OEO3RwBlvFIxESAzakkXqwE/',
  'Rs/KKnz9FvwBhE37XAwvVLm9qQANgimLZSLVUgmutt7/nXZSWZA/0njn3zP1HMne',
  '6wIDAQAB',
  '-----END PUBLIC KEY-----',
].join('\n');

/** The `azp` the test stacks allow (and the forged token below claims). */
export const TEST_AUTHORIZED_PARTY = 'https://app.example.com';

/**
 * A well-formed RS256 session token (`sub: user_forged`, `azp` as above, expiring in 2100) signed
 * with a different throwaway key than `TEST_CLERK_JWT_KEY`'s: the handler must reject it (401).
 */
export const FORGED_SESSION_TOKEN = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Imluc19mb3JnZWQifQ'
  + '.eyJzdWIiOiJ1c2VyX2ZvcmdlZCIsImF6cCI6Imh0dHBzOi8vYXBwLmV4YW1wbGUuY29tIiwiaXNzIjoiaHR0cHM6Ly9jbGVyay5leGFtcGxlLmNvbSIsImlhdCI6MTc2NzIyNTYwMCwibmJmIjoxNzY3MjI1NjAwLCJleHAiOjQxMDI0NDQ4MDB9'
  + '.inBYxjDpeNjKcjEbsh6TCamTqtPfi6M2rKmei4J62ZWFl6sjvSrONFmCVt1-Kmh2rqLvn4i6sFA1O6q8Ynagv0os-V_wTmo3epG81KdBubH6aXb-YzaXHfAWsTcppNklnngFXC_muwIs5y0PSXxb2pn0jqmZ6UUvGA_B7AL7OFdEIXch9PZtxkmKEbKfxhxsx4tjwIXppKD_IAmhsH6BMeWqy72VEvuLm1sMzP76k0AWVhAp0xFIB8ZKrdev8LJRUELn1R9H-ZTNwwDo4y1ZNeSS5vB3qlPwSweHXZi2KkrNQ1WrVtt1VX_qy2ZOLt08Lw-yPPI0u1vrIQiSgOVKSA';

/** The props every integration stack starts from: teardown-friendly, Clerk configured. */
export const TEST_BACKEND_PROPS = {
  ...TEST_TEARDOWN_PROPS,
  clerkJwtKey: TEST_CLERK_JWT_KEY,
  clerkAuthorizedParties: [TEST_AUTHORIZED_PARTY],
} satisfies SecureLambdaPostgresProps;

/**
 * What the construct keeps after its stack is deleted, right for production and litter in a test
 * account: the automated backups of the deleted instance (retained for their retention period),
 * its log groups and its KMS key (CDK's default RETAIN for both). Only those are changed here —
 * not the API Gateway account role, which other APIs in the account may be logging through.
 */
export function leaveNothingBehind(backend: SecureLambdaPostgres): void {
  (backend.databaseInstance.node.defaultChild as rds.CfnDBInstance).deleteAutomatedBackups = true;
  RemovalPolicies.of(Stack.of(backend)).destroy({ applyToResourceTypes: ['AWS::Logs::LogGroup', 'AWS::KMS::Key'] });
}

/** An ISO-8601 UTC timestamp as `Date.prototype.toISOString()` writes it (what `now` carries). */
export const ISO_TIMESTAMP = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z';

/**
 * How long to retry checks that depend on the backend warming up: right after the stack is
 * created the proxy may still be registering its target (503 `database-unavailable`), and a VPC
 * function's first cold start attaches its network interface. Generous, but far below the
 * waiter's 30-minute default, so a broken stack fails in minutes.
 */
export const WARM_UP = { totalTimeout: Duration.minutes(10), interval: Duration.seconds(20), backoffRate: 1 };

/** The assertions both integration tests make, returned by name. */
export interface BackendAssertions {
  readonly directInvoke: IApiCall;
  readonly externalProbe: IApiCall;
  readonly health: IApiCall;
  readonly meWithoutToken: IApiCall;
  readonly meWithForgedToken: IApiCall;
}

/**
 * The checks of both test stacks:
 * 1. a direct invocation of the function (`{}`) runs `SELECT NOW()` through the proxy;
 * 2. from outside the VPC, neither the database nor the proxy accepts a TCP connection;
 * 3. over the public API, `/me` rejects missing and forged tokens with 401 and `/health` answers
 *    200 with the database time.
 */
export function assertBackend(integ: IntegTest, backend: SecureLambdaPostgres, probe: ExternalConnectionProbe): BackendAssertions {
  // 1. Lambda → proxy → Postgres. The payload is the JSON string the function returned.
  const directInvoke = integ.assertions
    .invokeFunction({ functionName: backend.function.functionName, payload: '{}' })
    .expect(ExpectedResult.objectLike({
      StatusCode: 200,
      Payload: Match.stringLikeRegexp(`^\\{"status":"ok","now":"${ISO_TIMESTAMP}"\\}$`),
    }))
    .waitForAssertions(WARM_UP);

  // 2. No waiting and no retries: a single `connected` is a failure, not a warm-up glitch.
  const externalProbe = integ.assertions
    .invokeFunction({ functionName: probe.function.functionName, payload: '{}' })
    .expect(ExpectedResult.objectLike({
      StatusCode: 200,
      Payload: Match.serializedJson({ database: 'timeout', proxy: 'timeout' }),
    }));

  // 3. The public API. `apiUrl` ends in the stage name and a slash.
  const meWithoutToken = integ.assertions
    .httpApiCall(`${backend.apiUrl}me`)
    .expect(ExpectedResult.objectLike({
      status: 401,
      body: Match.objectLike({ error: 'unauthorized', reason: 'missing-token' }),
    }))
    .waitForAssertions(WARM_UP);

  const meWithForgedToken = integ.assertions
    .httpApiCall(`${backend.apiUrl}me`, { headers: { Authorization: `Bearer ${FORGED_SESSION_TOKEN}` } })
    .expect(ExpectedResult.objectLike({ status: 401, body: Match.objectLike({ error: 'unauthorized' }) }))
    .waitForAssertions(WARM_UP);

  const health = integ.assertions
    .httpApiCall(`${backend.apiUrl}health`)
    .expect(ExpectedResult.objectLike({
      status: 200,
      body: Match.objectLike({ status: 'ok', now: Match.stringLikeRegexp(`^${ISO_TIMESTAMP}$`) }),
    }))
    .waitForAssertions(WARM_UP);

  // The direct invocation warms the function and waits out the proxy's target registration; the
  // HTTP checks then run against a backend known to be up.
  directInvoke.next(health).next(meWithoutToken).next(meWithForgedToken);
  return { directInvoke, externalProbe, health, meWithoutToken, meWithForgedToken };
}

/**
 * The deployment ran the migration function (roles, then the files): invoked again, it finds every
 * file applied and applies nothing. A function error (a failing file, a refused login) fails it.
 */
export function assertMigrated(integ: IntegTest, backend: SecureLambdaPostgres, files: number): IApiCall {
  return integ.assertions
    .invokeFunction({ functionName: backend.migrationFunction.functionName, payload: '{}' })
    .expect(ExpectedResult.objectLike({
      StatusCode: 200,
      Payload: Match.serializedJson(Match.objectLike({ applied: [], alreadyApplied: files })),
    }));
}

/**
 * The `IntegTest` options both tests share: no update workflow (it would deploy the committed
 * snapshot first and then the change — two ~30-minute database deployments per run), and a
 * forced, unprompted destroy.
 */
export const INTEG_TEST_OPTIONS = {
  stackUpdateWorkflow: false,
  cdkCommandOptions: {
    destroy: { args: { force: true } },
  },
};

/** The bastion checks of the options test, returned by name. */
export interface BastionAssertions {
  readonly proxyIngressRule: IApiCall;
  readonly ssmOnline: IApiCall;
  readonly connectionTest: IApiCall;
  readonly connectionResult: IApiCall;
}

/**
 * The bastion can reach the proxy and the database on 5432:
 * - configuration: the proxy's security group has an ingress rule on 5432 whose source is the
 *   bastion's security group (EC2 `DescribeSecurityGroupRules`);
 * - the real path: once the bastion is online in Session Manager, SSM Run Command opens a TCP
 *   connection from the bastion to the proxy and to the database endpoint (bash `/dev/tcp`, 3 s
 *   timeout each) and the output must say `connected` for both. That exercises routes, NACLs
 *   and both security groups on the actual instance, not just the rule table.
 */
export function assertBastionReachesDatabase(integ: IntegTest, backend: SecureLambdaPostgres): BastionAssertions {
  const bastion = backend.bastion;
  const bastionSg = backend.bastionSecurityGroup;
  if (!bastion || !bastionSg) {
    throw new Error('assertBastionReachesDatabase needs a backend created with bastion: true.');
  }
  const port = DEFAULT_DB_PORT;

  const proxyIngressRule = integ.assertions
    .awsApiCall('EC2', 'describeSecurityGroupRules', {
      Filters: [{ Name: 'group-id', Values: [backend.proxySecurityGroup.securityGroupId] }],
    })
    .expect(ExpectedResult.objectLike({
      SecurityGroupRules: Match.arrayWith([Match.objectLike({
        IsEgress: false,
        IpProtocol: 'tcp',
        FromPort: port,
        ToPort: port,
        ReferencedGroupInfo: Match.objectLike({ GroupId: bastionSg.securityGroupId }),
      })]),
    }));

  const instanceId = bastion.instance.instanceId;
  // Run Command rejects instances that have not registered with Systems Manager yet.
  const ssmOnline = integ.assertions
    .awsApiCall('SSM', 'describeInstanceInformation', {
      Filters: [{ Key: 'InstanceIds', Values: [instanceId] }],
    })
    .expect(ExpectedResult.objectLike({
      InstanceInformationList: Match.arrayWith([Match.objectLike({ InstanceId: instanceId, PingStatus: 'Online' })]),
    }))
    .waitForAssertions(WARM_UP);

  const check = (name: string, host: string) =>
    `if timeout 3 bash -c 'exec 3<>/dev/tcp/${host}/${port}' 2>/dev/null; then echo ${name}=connected; else echo ${name}=unreachable; fi`;
  const connectionTest = integ.assertions.awsApiCall('SSM', 'sendCommand', {
    DocumentName: 'AWS-RunShellScript',
    InstanceIds: [instanceId],
    TimeoutSeconds: 60,
    Comment: 'integ test: bastion to proxy and database on 5432',
    Parameters: {
      commands: [
        check('proxy', backend.proxy.endpoint),
        check('database', backend.databaseInstance.dbInstanceEndpointAddress),
      ],
    },
  }, ['Command.CommandId']); // only the id: the whole response can exceed a custom resource's 4 KiB

  // Retried until the command has finished (the invocation does not exist for a moment).
  const connectionResult = integ.assertions
    .awsApiCall('SSM', 'getCommandInvocation', {
      CommandId: connectionTest.getAttString('Command.CommandId'),
      InstanceId: instanceId,
    })
    .expect(ExpectedResult.objectLike({
      Status: 'Success',
      StandardOutputContent: Match.stringLikeRegexp('^proxy=connected\\ndatabase=connected\\s*$'),
    }))
    .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(10), backoffRate: 1 });

  ssmOnline.next(connectionTest).next(connectionResult);
  return { proxyIngressRule, ssmOnline, connectionTest, connectionResult };
}
