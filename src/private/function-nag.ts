import * as lambda from 'aws-cdk-lib/aws-lambda';
import { acknowledge, ignoreCfnLint, inPacks, INLINE_GRANTS, managedPolicy, skipCheckov } from './nag';

/** Why a function of this library breaks the Lambda rules it breaks. */
export interface FunctionExemptions {
  /** Why it needs no dead-letter queue. */
  readonly dlq: string;
  /** Why it reserves no concurrency; absent when it does reserve some. */
  readonly concurrency?: string;
  /** Whether X-Ray is on (active or pass-through), which grants `xray:Put*` on `*`. */
  readonly tracing: boolean;
}

/**
 * The acknowledgements every Lambda function in a VPC of this library carries, on the function,
 * its role and its role's policy: the managed policies for logs and network interfaces, no DLQ,
 * unreserved concurrency when so, inline grants, and X-Ray's `Resource::*` when tracing is on.
 * Call it after the function's grants, so that its policy exists.
 */
export function acknowledgeFunctionRules(fn: lambda.Function, exemptions: FunctionExemptions): void {
  acknowledge(fn.role!.node.defaultChild!, [{
    id: 'AwsSolutions-IAM4',
    appliesTo: [
      managedPolicy('service-role/AWSLambdaBasicExecutionRole'),
      managedPolicy('service-role/AWSLambdaVPCAccessExecutionRole'),
    ],
    reason: 'The AWS managed policies every Lambda function in a VPC needs: writing its logs and managing its network interfaces.',
  }]);
  skipCheckov(fn, [
    { id: 'CKV_AWS_116', comment: exemptions.dlq },
    ...(exemptions.concurrency ? [{ id: 'CKV_AWS_115', comment: exemptions.concurrency }] : []),
  ]);
  // CDK adds a DependsOn on the role that the Role attribute already implies.
  ignoreCfnLint(fn, ['W3005']);
  acknowledge(fn, [
    ...inPacks('LambdaDLQ', exemptions.dlq, ['HIPAA.Security', 'NIST.800.53.R5', 'Serverless']),
    ...(exemptions.concurrency ? inPacks('LambdaConcurrency', exemptions.concurrency, ['HIPAA.Security', 'NIST.800.53.R5']) : []),
  ]);
  const policy = fn.role!.node.tryFindChild('DefaultPolicy');
  if (!policy) return;
  acknowledge(policy, [
    ...inPacks('IAMNoInlinePolicy', INLINE_GRANTS),
    ...(exemptions.tracing ? [{
      id: 'AwsSolutions-IAM5',
      appliesTo: ['Resource::*'],
      reason: 'X-Ray trace upload (xray:PutTraceSegments, xray:PutTelemetryRecords) supports no resource-level permissions; every other statement names its resource.',
    }] : []),
  ]);
}
