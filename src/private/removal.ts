import { RemovalPolicy } from 'aws-cdk-lib';

/**
 * How the construct keeps what holds data or evidence (keys, log groups, the backup vault): kept
 * when the stack is deleted or the resource is removed or replaced, but deleted when the stack
 * operation that created it rolls back (`RetainExceptOnCreate`). A failed first deployment then
 * leaves nothing behind that would stand in the way of the next attempt: "if resources are
 * retained during rollback, they interfere with retries" (AWS, July 2023:
 * https://aws.amazon.com/about-aws/whats-new/2023/07/aws-cloudformation-deletion-policies-dev-test-cycle/,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html).
 * `DESTROY` (throwaway stacks) stays `DESTROY`.
 */
export function keepExceptOnFailedCreate(policy?: RemovalPolicy): RemovalPolicy {
  return policy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
}
