import * as http from 'http';
import * as https from 'https';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';

/**
 * The custom resource that holds the instance's deletion protection. Create and Update set it as
 * the `Enabled` property says. Delete switches it off only while the stack's failed creation
 * rolls back (`ROLLBACK_IN_PROGRESS`): the resource depends on the instance, so CloudFormation
 * deletes it first, and the new, empty instance can then be deleted too. On any other Delete
 * (`cdk destroy`, an update that removes the construct) the protection stays on, and deleting the
 * instance fails, as deletion protection means it to.
 *
 * Stack statuses: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html#cfn-console-view-stack-data-resources-status-codes
 * Responses: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html
 */
export interface ProtectionEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: { readonly DBInstanceIdentifier: string; readonly Enabled: string };
}

interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** One physical resource for the life of the stack: CloudFormation never replaces it. */
export const PHYSICAL_ID = 'deletion-protection';

/** The only stack status in which a Delete switches the protection off. */
export const FAILED_CREATE_ROLLBACK = 'ROLLBACK_IN_PROGRESS';

// RDS refuses modifications while the instance is busy (its first backup starts right after
// it is created); these are worth waiting for.
const BUSY = new Set(['InvalidDBInstanceStateFault', 'InvalidDBInstanceState', 'Throttling', 'ThrottlingException']);

const rds = new RDSClient({});
const cloudformation = new CloudFormationClient({});

export async function handler(event: ProtectionEvent, context: LambdaContext): Promise<void> {
  const deadline = Date.now() + context.getRemainingTimeInMillis() - 10_000;
  let reason: string | undefined;
  try {
    const wanted = await protectionWanted(event, async () => stackStatus(event.StackId));
    log({ event: 'deletion-protection', request: event.RequestType, instance: event.ResourceProperties.DBInstanceIdentifier, set: wanted ?? 'unchanged' });
    if (wanted !== undefined) await setProtection(event.ResourceProperties.DBInstanceIdentifier, wanted, deadline, event.RequestType === 'Delete');
  } catch (err) {
    reason = `${(err as Error).name}: ${(err as Error).message}`.slice(0, 500);
    log({ event: 'deletion-protection.failed', reason });
  }
  await respond(event, reason);
}

/** What the protection should become: on, off, or left as it is (undefined). */
export async function protectionWanted(event: ProtectionEvent, status: () => Promise<string>): Promise<boolean | undefined> {
  if (event.RequestType !== 'Delete') return event.ResourceProperties.Enabled === 'true';
  return (await status()) === FAILED_CREATE_ROLLBACK ? false : undefined;
}

async function stackStatus(stackId: string): Promise<string> {
  const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackId }));
  return Stacks?.[0]?.StackStatus ?? 'UNKNOWN';
}

async function setProtection(instance: string, enabled: boolean, deadline: number, deleting: boolean): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      // DeletionProtection takes effect at once and does not depend on ApplyImmediately, which
      // is left out so that no pending modification of the instance is applied with it:
      // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html
      await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: instance, DeletionProtection: enabled }));
      return;
    } catch (err) {
      const name = (err as Error).name;
      if (deleting && name === 'DBInstanceNotFoundFault') return;
      const wait = Math.min(30_000, 1000 * 2 ** (attempt - 1));
      if (!BUSY.has(name) || Date.now() + wait > deadline) throw err;
      log({ event: 'deletion-protection.busy', instance, attempt, retryInMs: wait });
      await new Promise(resolve => setTimeout(resolve, wait));
    }
  }
}

/** The response CloudFormation waits for, PUT to the pre-signed URL (with an empty content type, as signed). */
async function respond(event: ProtectionEvent, failure: string | undefined): Promise<void> {
  const body = JSON.stringify({
    Status: failure === undefined ? 'SUCCESS' : 'FAILED',
    Reason: failure ?? 'ok',
    PhysicalResourceId: PHYSICAL_ID,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  const url = new URL(event.ResponseURL);
  const request = (url.protocol === 'http:' ? http : https).request;
  await new Promise<void>((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, res => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.setTimeout(30_000, () => req.destroy(new Error('the CloudFormation response URL did not answer within 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

function log(fields: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(fields) + '\n');
}
