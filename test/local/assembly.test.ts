// Discovery reads the metadata the construct writes, never logical-id patterns; the function,
// API, database and proxy come from the template as synthesized.
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { synthApp, tempDir } from './helpers';
import { DatabaseAuthentication, SecureLambdaPostgres } from '../../src';
import { LOCAL_METADATA_KEY } from '../../src/contract';
import { UsageError } from '../../src/io';
import { readApi } from '../../src/local/assembly/api';
import { discoverBackends } from '../../src/local/assembly/discover';
import { functionEnvironment, LocalEndpoints } from '../../src/local/services/lambda/function-env';

let root: string;
beforeAll(() => (root = tempDir('assembly-unit')));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test('the construct names its function, API, stage, proxy, instance, master secret and migration function in the function resource metadata', () => {
  const dir = synthApp(path.join(root, 'one'));
  const template = JSON.parse(fs.readFileSync(path.join(dir, 'LocalTest.template.json'), 'utf8'));
  const [[fnId, fn]] = Object.entries<any>(template.Resources).filter(([, r]) => r.Metadata?.[LOCAL_METADATA_KEY]);
  const m = fn.Metadata[LOCAL_METADATA_KEY];
  const typeOf = (id: string) => template.Resources[id]?.Type;
  expect(m).toEqual(expect.objectContaining({ version: 1, construct: 'LocalTest/Backend', function: fnId }));
  expect([m.restApi, m.stage, m.proxy, m.database, m.secret, m.migrationFunction].map(typeOf)).toEqual([
    'AWS::ApiGateway::RestApi', 'AWS::ApiGateway::Stage', 'AWS::RDS::DBProxy', 'AWS::RDS::DBInstance', 'AWS::SecretsManager::SecretTargetAttachment',
    'AWS::Lambda::Function',
  ]);
  // The metadata names the master secret; the function reads the application role's own.
  const appSecret = fn.Properties.Environment.Variables.DB_SECRET_ARN.Ref;
  expect(typeOf(appSecret)).toBe('AWS::SecretsManager::SecretTargetAttachment');
  expect(appSecret).not.toBe(m.secret);
});

test('discovery reads the function, API, database and proxy from the template', () => {
  const [b, ...rest] = discoverBackends(synthApp(path.join(root, 'two'), { apiStageName: 'v1', apiThrottlingRateLimit: 7, apiThrottlingBurstLimit: 9, databaseName: 'orders', functionReservedConcurrency: 3 }));
  expect(rest).toEqual([]);
  expect(b.name).toBe('LocalTest/Backend');
  expect(b.function).toMatchObject({ handler: 'index.handler', runtime: 'nodejs24.x', timeoutSeconds: 10, memoryMb: 512, reservedConcurrency: 3 });
  expect(fs.existsSync(path.join((b.function.code as { directory: string }).directory, 'index.js'))).toBe(true);
  expect(b.api).toMatchObject({ stageName: 'v1', throttle: { rateLimit: 7, burstLimit: 9 }, accessLogFormat: expect.stringContaining('"status":"$context.status"') });
  expect(b.function).toMatchObject({ logFormat: 'JSON' });
  const get = (p: string) => b.api.resources.find((r) => r.path === p)?.methods.GET;
  expect(get('/health')).toEqual({ kind: 'lambda', ours: true, required: { headers: [], querystrings: [] } });
  // API Gateway's request validator answers a /me without Authorization, with the API's own 401.
  expect(get('/me')).toEqual({ kind: 'lambda', ours: true, required: { headers: ['Authorization'], querystrings: [] } });
  // Two allowed origins: API Gateway's own answers echo the request's Origin.
  const cors = { headers: { Vary: 'Origin' }, requestHeaders: { 'Access-Control-Allow-Origin': 'Origin' } };
  expect(b.api.gatewayResponses).toEqual({
    BAD_REQUEST_PARAMETERS: { statusCode: 401, headers: { 'WWW-Authenticate': 'Bearer', 'Cache-Control': 'no-store', 'Vary': 'Origin' }, requestHeaders: cors.requestHeaders, body: '{"error":"unauthorized","reason":"missing-token"}' },
    MISSING_AUTHENTICATION_TOKEN: { statusCode: 404, ...cors, body: '{"error":"not_found"}' },
    DEFAULT_4XX: { statusCode: undefined, ...cors, body: undefined },
    DEFAULT_5XX: { statusCode: undefined, ...cors, body: undefined },
  });
  expect(b.database).toMatchObject({ databaseName: 'orders', masterUsername: 'app_admin', port: 5432, engineVersion: '18' });
  expect(b.proxy).toMatchObject({ requireTls: true, idleClientTimeoutSeconds: 1800 });
});

test('every SecureLambdaPostgres of every stack, and --stack picks one', () => {
  const app = new App({ outdir: path.join(root, 'many') });
  for (const name of ['Orders', 'Billing']) {
    const stack = new Stack(app, name, { env: { account: '123456789012', region: 'eu-west-1' } });
    new SecureLambdaPostgres(stack, 'Backend');
    if (name === 'Billing') new SecureLambdaPostgres(stack, 'Reports', { functionCode: lambda.Code.fromInline('exports.h = async () => 1'), functionHandler: 'index.h' });
  }
  app.synth();
  const all = discoverBackends(path.join(root, 'many'));
  expect(all.map((b) => b.name).sort()).toEqual(['Billing/Backend', 'Billing/Reports', 'Orders/Backend']);
  expect(discoverBackends(path.join(root, 'many'), 'Billing').map((b) => b.name).sort()).toEqual(['Billing/Backend', 'Billing/Reports']);
  expect(all.find((b) => b.name === 'Billing/Reports')!.function.code).toEqual({ inline: 'exports.h = async () => 1' });
  expect(() => discoverBackends(path.join(root, 'many'), 'Shipping')).toThrow('no stack named Shipping');
});

test('metadata of an unknown version is refused with what to do', () => {
  const dir = synthApp(path.join(root, 'future'));
  const file = path.join(dir, 'LocalTest.template.json');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"version": 1,', '"version": 99,').replace('"version":1,', '"version":99,'));
  expect(() => discoverBackends(dir)).toThrow(/local metadata version 99 is not supported by this CLI/);
});

test('CORS preflight mocks and stage throttling are read from a plain REST API template', () => {
  const stack = new Stack(new App(), 'Cors');
  const fn = new lambda.Function(stack, 'Fn', { code: lambda.Code.fromInline('x'), handler: 'index.h', runtime: lambda.Runtime.NODEJS_22_X });
  const api = new apigateway.LambdaRestApi(stack, 'Api', {
    handler: fn,
    defaultCorsPreflightOptions: { allowOrigins: ['https://a.example.com', 'https://b.example.com'], allowCredentials: true },
    deployOptions: { throttlingRateLimit: 5, throttlingBurstLimit: 6 },
  });
  const template = Template.fromStack(stack).toJSON();
  const id = (c: any) => stack.getLogicalId(c.node.defaultChild);
  const spec = readApi(template, id(api), id(api.deploymentStage), id(fn));
  expect(spec.throttle).toEqual({ rateLimit: 5, burstLimit: 6 });
  const proxy = spec.resources.find((r) => r.path === '/{proxy+}')!;
  expect(proxy.methods.OPTIONS).toEqual({
    kind: 'mock',
    statusCode: 204,
    headers: expect.objectContaining({ 'Access-Control-Allow-Origin': 'https://a.example.com', 'Access-Control-Allow-Credentials': 'true', 'Vary': 'Origin' }),
    alternativeOrigins: ['https://b.example.com'],
  });
});

test('password authentication: the function reads the app role\'s local secret', () => {
  const { env } = functionEnvironment(discoverBackends(synthApp(path.join(root, 'env-password')))[0], endpoints);
  expect(env).toMatchObject({ DB_AUTH_MODE: 'password', DB_SECRET_ARN: 'arn:local:secret' });
});

test('IAM authentication without a proxy: no one would verify the tokens, so the run stops saying what to do', () => {
  const spec = discoverBackends(synthApp(path.join(root, 'env-iam-direct'), { databaseAuthentication: DatabaseAuthentication.IAM }))[0];
  expect(() => functionEnvironment(spec, { ...endpoints, proxy: endpoints.database })).toThrow(new UsageError(
    'IAM database authentication: the local proxy verifies the tokens the function signs, and this run has none; install PgBouncer (or drop --proxy none)'));
});

const endpoints: LocalEndpoints = {
  proxy: { host: '127.0.0.1', port: 6432 },
  database: { host: '127.0.0.1', port: 5433 },
  secretArn: 'arn:local:secret',
  secretsManagerUrl: 'http://127.0.0.1:1',
  region: 'eu-west-1',
  account: '123456789012',
  credentials: { accessKeyId: 'ASIALOCAL', secretAccessKey: 's', sessionToken: 't' },
  caFile: '/ca.pem',
  clerkPublicKeyPem: 'LOCAL-PEM',
  sdkDir: '/sdk',
  codeDir: '/code',
  overrides: { EXTRA: 'given' },
};

test('the function environment points at the local servers, the local Clerk key and the local credentials only', () => {
  const dir = synthApp(path.join(root, 'env'), { databaseAuthentication: DatabaseAuthentication.IAM }, (backend, stack) => {
    backend.function.addEnvironment('BUCKET', new s3.Bucket(stack, 'Uploads').bucketName);
    backend.function.addEnvironment('REGION_NAME', Stack.of(stack).region);
  });
  const { env, notes } = functionEnvironment(discoverBackends(dir)[0], endpoints);
  expect(env).toMatchObject({
    DB_HOST: '127.0.0.1',
    DB_PORT: '6432',
    DB_NAME: 'app',
    DB_USER: 'app',
    DB_AUTH_MODE: 'iam',
    CLERK_JWT_KEY: 'LOCAL-PEM',
    CLERK_AUTHORIZED_PARTIES: 'https://app.example.com,https://admin.example.com',
    AWS_ACCESS_KEY_ID: 'ASIALOCAL',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:1',
    NODE_EXTRA_CA_CERTS: '/ca.pem',
    NODE_PATH: '/sdk',
    LAMBDA_TASK_ROOT: '/code',
    _HANDLER: 'index.handler',
    AWS_REGION: 'eu-west-1',
    REGION_NAME: 'eu-west-1',
    BUCKET: '',
    EXTRA: 'given',
  });
  expect(env).not.toHaveProperty('CLERK_SECRET_KEY_ARN');
  // As in AWS: no secret to read; the function signs tokens with the local credentials.
  expect(env).not.toHaveProperty('DB_SECRET_ARN');
  expect(notes).toEqual([
    'IAM database authentication: the function signs RDS auth tokens with the local credentials (region eu-west-1) and the local proxy verifies them, as RDS Proxy does',
    expect.stringMatching(/^Clerk: the function verifies session tokens against the local key/),
    "env BUCKET: refers to a deployed resource the local stack does not run; set to '' (pass --env BUCKET=VALUE)",
  ]);
});
