import { generateKeyPairSync } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Errors, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { SecureDatabase, SecureLambdaPostgresProps } from '../src';
import { CLERK_PEM, existingVpc, synth } from './util';

const EC_PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('invalid props fail at synth with a message that says what to do', () => {
  test.each<[string, SecureLambdaPostgresProps, RegExp]>([
    ['zero NAT gateways while the function needs outbound internet', { natGateways: 0 }, /no route to the internet.*set vpcEndpoints: true, or keep at least one NAT gateway/],
    ['a negative AZ count', { maxAzs: -1 }, /maxAzs must be a whole number of at least 2/],
    ['a non-integer AZ count', { maxAzs: 2.5 }, /maxAzs must be a whole number of at least 2/],
    ['a single AZ', { maxAzs: 1 }, /maxAzs must be a whole number of at least 2 \(RDS subnet groups span two/],
    ['a negative NAT count', { natGateways: -1 }, /natGateways must be a whole number of 0 or more/],
    ['more NAT gateways than AZs', { natGateways: 3 }, /natGateways \(3\) cannot exceed maxAzs \(2\)/],
    ['DESTROY with deletion protection', { databaseRemovalPolicy: RemovalPolicy.DESTROY }, /also set databaseDeletionProtection: false/],
    ['backups switched off', { databaseBackupRetention: Duration.days(0) }, /databaseBackupRetention must be a whole number of days from 1 to 35/],
    ['backups kept too long', { databaseBackupRetention: Duration.days(36) }, /from 1 to 35/],
    ['proxy percent above 100', { proxyMaxConnectionsPercent: 101 }, /proxyMaxConnectionsPercent must be a whole number from 1 to 100/],
    ['idle percent above max percent', { proxyMaxConnectionsPercent: 40, proxyMaxIdleConnectionsPercent: 50 }, /proxyMaxIdleConnectionsPercent \(50\) cannot exceed proxyMaxConnectionsPercent \(40\)/],
    ['idle client timeout above 8 hours', { proxyIdleClientTimeout: Duration.hours(9) }, /proxyIdleClientTimeout must be between 1 minute and 8 hours/],
    ['borrow timeout as long as the default function timeout', { proxyBorrowTimeout: Duration.seconds(10) },
      /proxyBorrowTimeout \(10 seconds\) must be shorter than functionTimeout \(10 seconds\).*handler's 503.*Lower proxyBorrowTimeout/],
    ['borrow timeout longer than the function timeout', { proxyBorrowTimeout: Duration.seconds(30), functionTimeout: Duration.seconds(20) },
      /proxyBorrowTimeout \(30 seconds\) must be shorter than functionTimeout \(20 seconds\)/],
    ['the CDK default borrow timeout with a short function', { proxyBorrowTimeout: Duration.minutes(2), functionTimeout: Duration.seconds(3) },
      /proxyBorrowTimeout \(2 minutes\) must be shorter than functionTimeout \(3 seconds\)/],
    ['storage below 20 GiB', { databaseAllocatedStorage: 10 }, /databaseAllocatedStorage must be a whole number of GiB, at least 20/],
    ['autoscaling limit below allocated storage', { databaseAllocatedStorage: 200, databaseMaxAllocatedStorage: 100 }, /databaseMaxAllocatedStorage \(100\) must be at least databaseAllocatedStorage \(200\)/],
    ['code without handler', { functionCode: lambda.Code.fromInline('x') }, /functionCode needs functionHandler/],
    ['handler without code', { functionHandler: 'index.handler' }, /apply to your own functionCode; pass functionCode too/],
    ['memory out of range', { functionMemorySize: 64 }, /functionMemorySize must be a whole number of MiB from 128 to 10240/],
    ['timeout past API Gateway', { functionTimeout: Duration.seconds(60) }, /functionTimeout must be at most 29 seconds/],
    ['a timeout too short for the default handler to answer 503 in time', { functionTimeout: Duration.seconds(2) },
      /functionTimeout must be at least 3 seconds with the default handler.*got 2 seconds/],
    ['reserved concurrency of zero', { functionReservedConcurrency: 0 }, /functionReservedConcurrency must be a whole number of at least 1/],
    ['an authorized party that is not an origin', { clerkAuthorizedParties: ['https://app.example.com/path'] }, /clerkAuthorizedParties entries are origins/],
    ['extra endpoints without endpoints', { additionalInterfaceEndpoints: [ec2.InterfaceVpcEndpointAwsService.SSM] }, /additionalInterfaceEndpoints requires vpcEndpoints: true/],
    ['bastion type without bastion', { bastionInstanceType: new ec2.InstanceType('t4g.nano') }, /bastionInstanceType requires bastion: true/],
    ['zero throttling', { apiThrottlingRateLimit: 0 }, /apiThrottlingRateLimit must be greater than 0/],
    ['a CORS origin with a wildcard', { apiCorsAllowedOrigins: ['*'] }, /apiCorsAllowedOrigins entries are origins .*no '\*'/],
    ['a CORS origin with a path', { apiCorsAllowedOrigins: ['https://app.example.com/'] }, /apiCorsAllowedOrigins entries are origins/],
    ['an issuer that is not an https origin', { clerkIssuer: 'http://clerk.example.com' }, /clerkIssuer is your Clerk Frontend API URL.*Frontend API URL/],
    ['an issuer with a path', { clerkIssuer: 'https://clerk.example.com/v1' }, /clerkIssuer is your Clerk Frontend API URL/],
    ['a Clerk key that is not a key', { clerkJwtKey: 'pk_test_Y2xlcmsuZXhhbXBsZS5jb20k' }, /clerkJwtKey is not a PEM public key.*Clerk Dashboard → API keys/],
    ['a Clerk key that is not RSA', { clerkJwtKey: EC_PEM }, /clerkJwtKey is a ec key; Clerk signs session tokens with RS256/],
  ])('fails on %s', (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  test.each<[string, SecureLambdaPostgresProps, RegExp]>([
    ['an enum value spelt as its name (JavaScript, JSON, another language)', { databaseAuthentication: 'IAM' as any },
      /^databaseAuthentication must be one of 'password', 'iam' \(DatabaseAuthentication\.PASSWORD, DatabaseAuthentication\.IAM\), got 'IAM'\.$/],
    ['an unknown tracing mode', { functionTracing: 'On' as any }, /^functionTracing must be one of 'Active', 'PassThrough', 'Disabled' \(Tracing\.ACTIVE, Tracing\.PASS_THROUGH, Tracing\.DISABLED\), got 'On'\.$/],
    ['an unknown removal policy', { databaseRemovalPolicy: 'delete' as any }, /^databaseRemovalPolicy must be one of 'destroy', 'retain', 'snapshot'.*\(RemovalPolicy\.DESTROY, .*got 'delete'\.$/],
    ['a retention that is not a RetentionDays value', { functionLogRetention: 42 as any }, /^functionLogRetention must be one of 1, 3, 5, .*3653.*\(RetentionDays\.ONE_DAY, .*got 42\.$/],
  ])('fails on %s, naming the prop and the allowed values', (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  test('validation errors are ValidationErrors that carry the path of the construct', () => {
    let error: unknown;
    try {
      synth({ databaseAuthentication: 'IAM' as any });
    } catch (e) {
      error = e;
    }
    expect(Errors.isValidationError(error)).toBe(true);
    expect((error as any).constructPath).toBe('TestStack/Backend/Database');
  });

  test('a tier validates its props with its own path', () => {
    let error: unknown;
    try {
      synth({ functionMemorySize: 64 });
    } catch (e) {
      error = e;
    }
    expect(Errors.isValidationError(error)).toBe(true);
    expect((error as any).constructPath).toBe('TestStack/Backend/Function');
  });

  test('fails on a borrow timeout above 5 minutes (SecureDatabase alone, which knows no function timeout)', () => {
    const stack = new Stack(new App(), 'DatabaseOnly');
    expect(() => new SecureDatabase(stack, 'Database', {
      vpc: existingVpc(stack),
      databaseSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      proxySubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      proxyBorrowTimeout: Duration.minutes(6),
    })).toThrow(/proxyBorrowTimeout must be at most 5 minutes/);
  });

  test('a short timeout is fine for your own code (it keeps its own deadline)', () => {
    expect(() => synth({ functionTimeout: Duration.seconds(1), functionCode: lambda.Code.fromInline('x'), functionHandler: 'index.handler' })).not.toThrow();
  });

  test('fails on JWKS verification without a route to Clerk', () => {
    expect(() => synth(undefined, s => ({
      natGateways: 0,
      vpcEndpoints: true,
      clerkSecretKey: new secretsmanager.Secret(s, 'ClerkSecretKey'),
    }))).toThrow(/clerkSecretKey verifies tokens against Clerk over the internet.*pass clerkJwtKey/);
  });

  test('fails on a bring-your-own VPC without isolated subnets', () => {
    expect(() => synth(undefined, s => ({
      vpc: existingVpc(s, [
        { name: 'ingress', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      ]),
    }))).toThrow(/The VPC has no subnets for 'databaseSubnets'.*Pass a 'databaseSubnets' selection/);
  });

  test('fails on a bring-your-own VPC whose database selection is not isolated', () => {
    expect(() => synth(undefined, s => ({
      vpc: existingVpc(s),
      databaseSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    }))).toThrow(/'databaseSubnets' must select only isolated subnets/);
  });

  test('fails on a bring-your-own VPC selection of public subnets', () => {
    expect(() => synth(undefined, s => ({
      vpc: existingVpc(s),
      applicationSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    }))).toThrow(/'applicationSubnets' selects public subnets/);
  });

  test('fails on a bring-your-own VPC with a single availability zone', () => {
    expect(() => synth(undefined, s => ({
      vpc: new ec2.Vpc(s, 'OneAz', {
        maxAzs: 1,
        subnetConfiguration: [
          { name: 'ingress', subnetType: ec2.SubnetType.PUBLIC },
          { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
          { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        ],
      }),
    }))).toThrow(/selects subnets in 1 availability zone; the database and the proxy need subnets in at least two/);
  });

  test('fails on new-VPC settings passed with a bring-your-own VPC', () => {
    expect(() => synth(undefined, s => ({ vpc: existingVpc(s), natGateways: 2 })))
      .toThrow(/'natGateways' configures a new VPC and cannot be combined with 'vpc'/);
  });

  test('fails on a bring-your-own VPC without egress and without endpoints', () => {
    expect(() => synth(undefined, s => ({
      vpc: new ec2.Vpc(s, 'NoEgress', {
        maxAzs: 2,
        natGateways: 0,
        subnetConfiguration: [
          { name: 'app', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
          { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        ],
      }),
      applicationSubnets: { subnetGroupName: 'app' },
      databaseSubnets: { subnetGroupName: 'data' },
    }))).toThrow(/no route to the internet/);
  });

  test("fails on the README's truncated placeholder key, naming the prop and where the key is", () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const placeholder = /clerkJwtKey: '([^']+)'/.exec(readme)![1].replace(/\\n/g, '\n');
    expect(placeholder).toMatch(/\.\.\./);
    expect(() => synth({ clerkJwtKey: placeholder })).toThrow(/^clerkJwtKey is not a PEM public key.*Clerk Dashboard → API keys → Show JWT public key/);
  });

  test('accepts the key as the handler reads it: literal \\n escapes, one flattened line', () => {
    expect(() => synth({ clerkJwtKey: CLERK_PEM.replace(/\n/g, '\\n') })).not.toThrow();
    expect(() => synth({ clerkJwtKey: CLERK_PEM.replace(/\n/g, ' ') })).not.toThrow();
  });
});
