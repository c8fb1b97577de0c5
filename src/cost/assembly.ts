import { loadStacks as loadArtifacts } from '../assembly/manifest';

/** CloudFormation property bags are free-form JSON. */
export type Props = { [key: string]: any };
export interface CfnResource { readonly Type: string; readonly Properties?: Props; readonly Metadata?: Props }
export interface CfnTemplate { readonly Resources?: { [logicalId: string]: CfnResource } }
export interface StackTemplate {
  readonly name: string;
  /** `aws://<account>/<region>`, or `aws://unknown-account/unknown-region` when agnostic. */
  readonly environment?: string;
  readonly templateFile: string;
  readonly template: CfnTemplate;
}
/**
 * The stacks of the cloud assembly in `dir` that the cost estimate and the summary read (the
 * assembly reader the local stack uses; integ-test `DeployAssert` stacks are left out). Throws a
 * `UsageError` that says what to do when there is no assembly.
 */
export function loadStacks(dir: string): StackTemplate[] {
  return loadArtifacts(dir)
    .filter(s => !/DeployAssert/.test(s.id) && !/DeployAssert/.test(s.displayName))
    .map(s => ({ name: s.displayName, environment: s.environment, templateFile: s.templateFile, template: s.template as CfnTemplate }));
}

/** The region of a stack's environment, or undefined for an environment-agnostic stack. */
export function regionOf(stack: StackTemplate): string | undefined {
  const region = stack.environment?.split('/')[3];
  return region && region !== 'unknown-region' ? region : undefined;
}
