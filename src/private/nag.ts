import { CfnResource, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { invalid } from './errors';

/** A compliance rule this construct breaks by design, with the reason a reviewer needs. */
export interface Acknowledgement {
  /** Rule id, e.g. `AwsSolutions-IAM4` or `HIPAA.Security-LambdaDLQ`. */
  readonly id: string;
  readonly reason: string;
  /** Findings of the rule this covers, e.g. `Resource::*`; all of them when absent. */
  readonly appliesTo?: string[];
}

/**
 * Acknowledges rules on one CloudFormation resource, in the two forms consumers' tools read:
 * the `aws:cdk:acknowledged-rules` construct metadata of `Validations.acknowledge()` (cdk-nag 3)
 * and the `cdk_nag.rules_to_suppress` template metadata (cdk-nag 2, and anyone reading the
 * template). The metadata is written directly because `Validations.acknowledge()` rejects ids
 * with more than one `::`, as every managed-policy finding has.
 */
export function acknowledge(scope: IConstruct, acknowledgements: Acknowledgement[]): void {
  const resource = cfnResourceOf(scope);
  const acknowledged: { [id: string]: string } = {};
  for (const a of acknowledgements) {
    for (const id of a.appliesTo ? a.appliesTo.map(finding => `${a.id}[${finding}]`) : [a.id]) {
      acknowledged[id] = a.reason;
    }
  }
  resource.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, acknowledged);

  const previous = resource.getMetadata('cdk_nag')?.rules_to_suppress ?? [];
  resource.addMetadata('cdk_nag', {
    rules_to_suppress: [
      ...previous,
      ...acknowledgements.map(a => ({ id: a.id, reason: a.reason, ...(a.appliesTo ? { applies_to: a.appliesTo } : {}) })),
    ],
  });
}

/** The same rule in several packs: by default HIPAA Security, NIST 800-53 R5 and PCI DSS 3.2.1. */
export function inPacks(rule: string, reason: string, packs: string[] = ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321']): Acknowledgement[] {
  return packs.map(pack => ({ id: `${pack}-${rule}`, reason }));
}

/** The finding id of an AWS managed policy, as cdk-nag's IAM4 rule reports it. */
export function managedPolicy(name: string): string {
  return `Policy::arn:<AWS::Partition>:iam::aws:policy/${name}`;
}

/** Why CDK's grant policies are inline, for the IAMNoInlinePolicy rule. */
export const INLINE_GRANTS = 'CDK writes least-privilege grants as an inline policy of this one role, scoped to the resources granted; a managed policy would be reusable by other roles.';

/** A checkov check skipped on one resource, with the reason. */
export interface CheckovSkip {
  /** Check id, e.g. `CKV_AWS_116`. */
  readonly id: string;
  readonly comment: string;
}

function cfnResourceOf(scope: IConstruct): CfnResource {
  const resource = CfnResource.isCfnResource(scope) ? scope : scope.node.defaultChild;
  if (!resource || !CfnResource.isCfnResource(resource)) {
    throw invalid(scope, `Cannot annotate ${scope.node.path}: it has no CloudFormation resource.`);
  }
  return resource;
}

/** Skips checkov checks on one resource (`Metadata.checkov.skip`, which checkov reads). */
export function skipCheckov(scope: IConstruct, skips: CheckovSkip[]): void {
  const resource = cfnResourceOf(scope);
  const previous = resource.getMetadata('checkov')?.skip ?? [];
  resource.addMetadata('checkov', { skip: [...previous, ...skips] });
}

/** Ignores cfn-lint rules on one resource (`Metadata.cfn-lint.config.ignore_checks`). */
export function ignoreCfnLint(scope: IConstruct, rules: string[]): void {
  const resource = cfnResourceOf(scope);
  const previous = resource.getMetadata('cfn-lint')?.config?.ignore_checks ?? [];
  resource.addMetadata('cfn-lint', { config: { ignore_checks: [...previous, ...rules] } });
}

