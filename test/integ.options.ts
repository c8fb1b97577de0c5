// Integration test: SecureLambdaPostgres with its options on — a VPC of your own, VPC endpoints, the
// SSM bastion and schema migrations — deployed for real by
//   npx integ-runner --language typescript --update-on-failed   (see CONTRIBUTING.md, Integration tests)
// and verified without AWS credentials against the committed snapshot by `npx projen integ:verify`.
import * as path from 'path';
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Migrations, SecureLambdaPostgres } from '../src';
import {
  assertBackend, assertBastionReachesDatabase, assertMigrated, INTEG_TEST_OPTIONS, integApp, leaveNothingBehind, TEST_BACKEND_PROPS,
} from './integ-helpers';
import { probeFromOutside } from './integ-probe';

const app = integApp();
const stack = new Stack(app, 'SecureLambdaPostgresIntegOptions', {
  description: 'Integration test of secure-lambda-postgres with its own VPC, VPC endpoints and a bastion (safe to delete)',
});

// The VPC a team would already have: three tiers in two AZs, one NAT gateway, flow logs.
const vpc = new ec2.Vpc(stack, 'Vpc', {
  maxAzs: 2,
  natGateways: 1,
  subnetConfiguration: [
    { name: 'ingress', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
    { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
    { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
  ],
  flowLogs: {
    FlowLog: {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(stack, 'FlowLogs', {
        retention: logs.RetentionDays.ONE_WEEK,
      })),
      trafficType: ec2.FlowLogTrafficType.ALL,
    },
  },
});

const backend = new SecureLambdaPostgres(stack, 'Backend', {
  ...TEST_BACKEND_PROPS,
  vpc,
  applicationSubnets: { subnetGroupName: 'app' },
  databaseSubnets: { subnetGroupName: 'data' },
  vpcEndpoints: true,
  bastion: true,
  // Two tables, applied on deployment by the migration function (through the endpoints).
  migrations: Migrations.fromDirectory(path.join(__dirname, 'fixtures', 'migrations')),
});
leaveNothingBehind(backend);

const probe = probeFromOutside(stack, backend);

const integ = new IntegTest(app, 'SecureLambdaPostgresOptions', {
  testCases: [stack],
  ...INTEG_TEST_OPTIONS,
});
assertBackend(integ, backend, probe);
assertBastionReachesDatabase(integ, backend);
assertMigrated(integ, backend, 2);

app.synth();
