import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DatabaseAuthentication, Egress, Migrations, SecureLambdaPostgres, SecureLambdaPostgresProps } from '../../src';
import { CLERK_PEM, ENV, existingVpc } from '../util';
import { AwsStandIns } from './aws-stand-ins';
import { Account, CustomResourceProvider, StackModel } from './cloudformation';

type Configure = (stack: Stack) => SecureLambdaPostgresProps;

// The configurations whose kept resources differ: bastion and endpoints, a VPC of the user's own,
// NAT instances (launch templates, instance profiles), IAM with migrations, and no NAT at all.
const CONFIGURATIONS: Array<[string, Configure]> = [
  ['defaults', () => ({})],
  ['every option on', () => ({
    vpcEndpoints: true,
    bastion: true,
    clerkJwtKey: CLERK_PEM,
    clerkAuthorizedParties: ['https://app.example.com'],
    clerkIssuer: 'https://clerk.example.com',
  })],
  ['a bring-your-own VPC', stack => ({ vpc: existingVpc(stack) })],
  ['NAT instances', () => ({ egress: Egress.natInstances() })],
  ['IAM authentication with migrations', () => ({
    databaseAuthentication: DatabaseAuthentication.IAM,
    migrations: Migrations.fromDirectory(path.join(__dirname, '..', 'fixtures', 'migrations')),
  })],
  ['no NAT (VPC endpoints only)', () => ({ egress: Egress.none(), vpcEndpoints: true })],
];

function templateOf(configure: Configure): any {
  const app = new App();
  const stack = new Stack(app, 'Backend', { env: ENV });
  new SecureLambdaPostgres(stack, 'Backend', configure(stack));
  return Template.fromStack(stack).toJSON();
}

const account = new Account();
const standIns = new AwsStandIns(account.state);
let deletionProtection: CustomResourceProvider;

beforeAll(async () => {
  const endpoint = await standIns.start();
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_RDS: endpoint,
    AWS_ENDPOINT_URL_CLOUDFORMATION: endpoint,
  });
  // The built function, as the deployment runs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { handler } = require('../../assets/database/deletion-protection.lambda/index.js');
  deletionProtection = async (request, logicalId, properties, stackId) => {
    const requestId = `${request}-${logicalId}-${standIns.responses.length}`;
    // Its log lines (JSON on stdout, as Lambda collects them) are read here, not printed.
    const lines: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(chunk => lines.push(String(chunk)) > 0);
    try {
      await handler({
        RequestType: request,
        ResponseURL: `${endpoint}/response/${requestId}`,
        StackId: stackId,
        RequestId: requestId,
        LogicalResourceId: logicalId,
        PhysicalResourceId: 'deletion-protection',
        ResourceProperties: properties,
      }, { getRemainingTimeInMillis: () => 60_000 });
    } finally {
      stdout.mockRestore();
    }
    expect(lines.map(line => JSON.parse(line).event)).toContain('deletion-protection');
    const response = standIns.responses.find(r => r.RequestId === requestId);
    expect(response.contentType).toBe('');
    return response.Status === 'SUCCESS' ? undefined : response.Reason;
  };
});
afterAll(() => standIns.stop());

/** The stack as CloudFormation would run it, with the instance identifier the custom resource is given resolved. */
function model(template: any): StackModel {
  const stack: StackModel = new StackModel(account, 'Backend', template, {
    'Custom::DeletionProtection': (request, id, props, stackId) =>
      deletionProtection(request, id, { ...props, DBInstanceIdentifier: stack.physicalName(props.DBInstanceIdentifier.Ref) }, stackId),
  });
  return stack;
}

function instanceOf(stack: StackModel, template: any) {
  const id = Object.keys(template.Resources).find(r => template.Resources[r].Type === 'AWS::RDS::DBInstance')!;
  return account.state.instances.get(stack.physicalName(id)!);
}

describe.each(CONFIGURATIONS)('lifecycle with %s', (_name, configure) => {
  const template = templateOf(configure);
  // The worst case: everything else was created when the last resource failed.
  const last = new StackModel(account, 'Backend', template).order().pop()!;

  test('every resource a failed create or a destroy may keep asks for another name in the next creation', () => {
    const kept = Object.keys(template.Resources).filter(id => ['Retain', 'RetainExceptOnCreate', 'Snapshot']
      .some(policy => [template.Resources[id].DeletionPolicy, template.Resources[id].UpdateReplacePolicy].includes(policy)));
    const [first, next] = [model(template), model(template)];
    first.stackId = 'arn:aws:cloudformation:us-east-1:123456789012:stack/Backend/6f1c2a3e-0000-4000-8000-0123456789ab';
    next.stackId = 'arn:aws:cloudformation:us-east-1:123456789012:stack/Backend/9e8d7c6b-0000-4000-8000-ba9876543210';
    const collisions = kept.filter(id => first.physicalName(id) !== undefined && first.physicalName(id) === next.physicalName(id))
      .map(id => `${id} (${template.Resources[id].Type}) ${first.physicalName(id)}`);
    expect(collisions).toEqual([]);
    const kinds = new Set(kept.map(id => template.Resources[id].Type));
    for (const kind of ['AWS::RDS::DBInstance', 'AWS::KMS::Key', 'AWS::Logs::LogGroup', 'AWS::Backup::BackupVault']) expect(kinds).toContain(kind);
  });

  test('a failed first create rolls back completely, and the retry creates the stack', async () => {
    const first = model(template);
    expect(await first.create(last)).toEqual({ status: 'ROLLBACK_COMPLETE', reasons: [expect.stringMatching(/injected/)] });
    const retry = model(template);
    expect(await retry.create()).toEqual({ status: 'CREATE_COMPLETE', reasons: [] });
    expect(instanceOf(retry, template)?.deletionProtection).toBe(true);
    await deleteUnprotected(retry, template);
  });

  test('cdk destroy stops at the protected instance; once it is off, what is kept never blocks a new stack of the same name', async () => {
    const stack = model(template);
    expect((await stack.create()).status).toBe('CREATE_COMPLETE');
    const destroy = await stack.delete();
    expect(destroy).toEqual({ status: 'DELETE_FAILED', reasons: [expect.stringMatching(/DBInstance\) DELETE_FAILED: Cannot delete protected DB Instance/)] });
    await deleteUnprotected(stack, template);
    const again = model(template);
    expect(await again.create()).toEqual({ status: 'CREATE_COMPLETE', reasons: [] });
    await deleteUnprotected(again, template);
  });
});

/** What the README says to do before `cdk destroy`: switch the protection off, then delete. */
async function deleteUnprotected(stack: StackModel, template: any): Promise<void> {
  instanceOf(stack, template)!.deletionProtection = false;
  expect(await stack.delete()).toEqual({ status: 'DELETE_COMPLETE', reasons: [] });
}
