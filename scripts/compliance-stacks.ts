/**
 * Synthesizes the stacks the compliance scan (scripts/scan-templates.sh) checks, into one cloud
 * assembly:
 *
 *   - SlpDefaults:   SecureLambdaPostgres at its default props
 *   - SlpAllOptions: vpcEndpoints, bastion, an extra SSM interface endpoint, CORS and the issuer check
 *   - SlpOwnVpc:     a bring-your-own VPC (public / private-with-egress / isolated, 2 AZs, 1 NAT,
 *                    flow logs, restricted default security group) passed as `vpc`
 *   - SlpNatInstance: the cheap development egress (a NAT instance) and the concurrency cap from
 *                    the connection budget
 *   - SlpIamMigrations: IAM authentication end to end, and migrations (test/fixtures/migrations)
 *
 *   npx ts-node --project tsconfig.dev.json scripts/compliance-stacks.ts <outdir>
 *
 * Fixed environment 123456789012 / us-east-1, with the availability zones given as context so no
 * AWS lookup is needed. The bundles of the default handler and the migration function
 * (assets/handler/api.lambda, assets/migrations/migrate.lambda) must exist; when one is missing
 * this runs `npx projen bundle` first.
 */
import * as path from 'path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DatabaseAuthentication, Egress, Migrations, SecureLambdaPostgres } from '../src';

const outdir = process.argv[2];
if (!outdir) {
  process.stderr.write('usage: compliance-stacks.ts <outdir>\n');
  process.exit(2);
}

const root = path.resolve(__dirname, '..');
// The stacks embed the handler and migration assets: `npx projen compliance` builds them first (its bundle step).

const env = { account: '123456789012', region: 'us-east-1' };
// The availability zones `cdk synth` would look up and cache in cdk.context.json; without them
// CDK writes placeholder zones ('dummy1a') into the subnets.
const app = new App({
  outdir: path.resolve(outdir),
  context: {
    [`availability-zones:account=${env.account}:region=${env.region}`]: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  },
});

// (a) defaults
new SecureLambdaPostgres(new Stack(app, 'SlpDefaults', { env }), 'Backend');

// (b) every option on
new SecureLambdaPostgres(new Stack(app, 'SlpAllOptions', { env }), 'Backend', {
  vpcEndpoints: true,
  bastion: true,
  additionalInterfaceEndpoints: [ec2.InterfaceVpcEndpointAwsService.SSM],
  // CORS preflight methods and the issuer check.
  clerkAuthorizedParties: ['https://app.example.com'],
  clerkIssuer: 'https://clerk.example.com',
});

// (c) bring your own VPC
const ownVpcStack = new Stack(app, 'SlpOwnVpc', { env });
const vpc = new ec2.Vpc(ownVpcStack, 'Vpc', {
  maxAzs: 2,
  natGateways: 1,
  restrictDefaultSecurityGroup: true,
  subnetConfiguration: [
    { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
    { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
    { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
  ],
  flowLogs: {
    All: {
      trafficType: ec2.FlowLogTrafficType.ALL,
      destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(ownVpcStack, 'FlowLogs', {
        retention: logs.RetentionDays.ONE_YEAR,
        encryptionKey: new kms.Key(ownVpcStack, 'FlowLogKey', { enableKeyRotation: true }),
      })),
    },
  },
});
// The consumer's own VPC is theirs to make compliant; these are the annotations a consumer adds
// for CDK's output, so that the scan reports only what the construct itself creates.
for (const subnet of [...vpc.publicSubnets, ...vpc.privateSubnets, ...vpc.isolatedSubnets]) {
  (subnet.node.findChild('Subnet') as CfnResource).addMetadata('cfn-lint', { config: { ignore_checks: ['W3010'] } });
}
const restrictDefaultSg = ownVpcStack.node.findChild('Custom::VpcRestrictDefaultSGCustomResourceProvider').node.findChild('Handler') as CfnResource;
restrictDefaultSg.addMetadata('cfn-lint', { config: { ignore_checks: ['W3005'] } });
restrictDefaultSg.addMetadata('checkov', { skip: ['CKV_AWS_115', 'CKV_AWS_116', 'CKV_AWS_117'].map(id => ({ id, comment: 'CDK deploy-time handler' })) });
new SecureLambdaPostgres(ownVpcStack, 'Backend', { vpc });

// (d) NAT instance, concurrency from the connection budget
new SecureLambdaPostgres(new Stack(app, 'SlpNatInstance', { env }), 'Backend', {
  egress: Egress.natInstances(),
  functionConcurrencyFromBudget: true,
});

// (e) IAM authentication end to end, and migrations
new SecureLambdaPostgres(new Stack(app, 'SlpIamMigrations', { env }), 'Backend', {
  databaseAuthentication: DatabaseAuthentication.IAM,
  migrations: Migrations.fromDirectory(path.join(root, 'test', 'fixtures', 'migrations')),
});

const assembly = app.synth();
for (const stack of assembly.stacks) {
  process.stdout.write(`${stack.stackName}: ${path.relative(process.cwd(), stack.templateFullPath)}\n`);
}
