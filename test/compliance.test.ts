import * as path from 'path';
import { App, Annotations as ConstructAnnotations, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nag3 from 'cdk-nag';
import * as nag2 from 'cdk-nag-v2';
import { DatabaseAuthentication, Egress, Migrations, SecureLambdaPostgres, SecureLambdaPostgresProps } from '../src';
import { ENV, existingVpc } from './util';
import { CONNECTION_BUDGET_WARNING } from '../src/capacity/check';

// The packs a consumer of a "secure" library runs, in both cdk-nag generations: 3.x reports through
// CDK's validation plugins and reads Validations acknowledgements; 2.x runs as Aspects and reads
// `cdk_nag` template metadata.
const PACKS_V3 = [nag3.AwsSolutionsChecks, nag3.HIPAASecurityChecks, nag3.NIST80053R5Checks, nag3.PCIDSS321Checks, nag3.ServerlessChecks];
const PACKS_V2 = [nag2.AwsSolutionsChecks, nag2.HIPAASecurityChecks, nag2.NIST80053R5Checks, nag2.PCIDSS321Checks, nag2.ServerlessChecks];

type Configure = (stack: Stack) => SecureLambdaPostgresProps;
const CONFIGURATIONS: Array<[string, Configure]> = [
  ['default props', () => ({})],
  ['every option on', () => ({
    vpcEndpoints: true,
    bastion: true,
    additionalInterfaceEndpoints: [ec2.InterfaceVpcEndpointAwsService.SSM],
    // CORS preflight methods and the issuer check.
    clerkAuthorizedParties: ['https://app.example.com'],
    clerkIssuer: 'https://clerk.example.com',
  })],
  ['a bring-your-own VPC', stack => ({ vpc: existingVpc(stack) })],
  ['your own handler', () => ({ functionCode: lambda.Code.fromInline('exports.handler = async () => ({})'), functionHandler: 'index.handler' })],
  ['NAT instances and the concurrency cap from the budget', () => ({ egress: Egress.natInstances(), functionConcurrencyFromBudget: true })],
  ['IAM authentication end to end, with migrations', () => ({
    databaseAuthentication: DatabaseAuthentication.IAM,
    migrations: Migrations.fromDirectory(path.join(__dirname, 'fixtures', 'migrations')),
  })],
];

function build(configure: Configure) {
  // Findings are what the test reads; without this flag synth would also throw on them.
  const app = new App({ context: { '@aws-cdk/core:failSynthOnValidationErrors': false } });
  const stack = new Stack(app, 'Consumer', { env: ENV });
  new SecureLambdaPostgres(stack, 'Backend', configure(stack));
  // The connection-budget warning is advice, not a compliance finding (test/capacity/budget.test.ts).
  ConstructAnnotations.of(stack).acknowledgeWarning(CONNECTION_BUDGET_WARNING);
  return { app, stack };
}

/** Findings from cdk-nag 3 as `rule path`. */
function findingsV3(configure: Configure): string[] {
  const { app, stack } = build(configure);
  return PACKS_V3.flatMap(Pack => new Pack(app).validateScope(stack).violations
    .flatMap(v => v.violatingResources.map(r => `${v.ruleName} ${r.constructPath ?? r.resourceLogicalId}`)));
}

/** Errors and warnings from cdk-nag 2 (and anything else) as `rule path`. */
function findingsV2(configure: Configure): string[] {
  const { app, stack } = build(configure);
  for (const Pack of PACKS_V2) Aspects.of(app).add(new Pack());
  const annotations = Annotations.fromStack(stack);
  return [...annotations.findError('*', Match.anyValue()), ...annotations.findWarning('*', Match.anyValue())]
    .map(m => `${String(m.entry.data).split(':')[0]} ${m.id}`);
}

// A bring-your-own VPC is the consumer's resource; its own findings (flow logs, default SG,
// public routes) are theirs to fix. Everything else must be clean.
const ours = (finding: string) => !/(^|[ /])Consumer\/ExistingVpc\//.test(finding);

describe.each([
  ['cdk-nag 3 (Validations)', findingsV3],
  ['cdk-nag 2 (Aspects, cdk_nag metadata)', findingsV2],
])('%s', (_version, findings) => {
  test.each(CONFIGURATIONS)('zero unacknowledged findings from our constructs with %s', (_name, configure) => {
    expect(findings(configure).filter(ours)).toEqual([]);
  });

  test('the check sees findings: switching off the backup plan is reported', () => {
    const reported = findings(() => ({ databaseBackupPlan: false })).filter(ours);
    expect(reported).toEqual(expect.arrayContaining([expect.stringMatching(/RDSInBackupPlan.*Backend\/Database\/Instance/)]));
  });

  test("the bring-your-own VPC's own findings are not hidden", () => {
    expect(findings(CONFIGURATIONS[2][1]).filter(f => !ours(f)).length).toBeGreaterThan(0);
  });
});

describe('acknowledgements', () => {
  const { stack } = build(CONFIGURATIONS[1][1]);
  const resources = Object.entries<any>(Template.fromStack(stack).toJSON().Resources);
  const suppressions = resources.flatMap(([id, r]) =>
    (r.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((s: any) => ({ resource: id, ...s })));

  test('sit on single resources, never on the stack', () => {
    expect(suppressions.length).toBeGreaterThan(0);
    expect(stack.templateOptions.metadata?.cdk_nag).toBeUndefined();
  });

  test('each carries a reason a reviewer can read', () => {
    for (const s of suppressions) expect(s.reason.length).toBeGreaterThan(60);
  });

  test('managed-policy and wildcard acknowledgements name the exact finding', () => {
    for (const s of suppressions.filter((x: any) => /IAM[45]$/.test(x.id))) {
      expect(s.applies_to).toEqual(expect.arrayContaining([expect.stringMatching(/^(Policy::arn:<AWS::Partition>:iam::aws:policy\/|Resource::\*$)/)]));
    }
  });

  test('with default props, exactly the rules the README table justifies', () => {
    const { stack: defaults } = build(CONFIGURATIONS[0][1]);
    const ids = Object.values<any>(Template.fromStack(defaults).toJSON().Resources)
      .flatMap(r => (r.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((a: any) => a.id as string));
    const rules = [...new Set(ids.map(id => id.replace(/^(HIPAA\.Security|NIST\.800\.53\.R5|PCI\.DSS\.321|Serverless)-/, '')))].sort();
    expect(rules).toEqual([
      'APIGWAssociatedWithWAF', 'APIGWCacheEnabledAndEncrypted', 'APIGWSSLEnabled',
      'AwsSolutions-APIG3', 'AwsSolutions-APIG4', 'AwsSolutions-COG4', 'AwsSolutions-IAM4', 'AwsSolutions-IAM5',
      'AwsSolutions-RDS10', 'AwsSolutions-RDS11', 'AwsSolutions-RDS3',
      'IAMNoInlinePolicy', 'LambdaConcurrency', 'LambdaDLQ', 'LambdaInsideVPC', 'RDSInstanceDeletionProtectionEnabled', 'RDSMultiAZSupport', 'VPCNoUnrestrictedRouteToIGW',
    ]);
  });
});
