import { Names } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * A physical name for a resource of `scope` that AWS requires to be unique per account and
 * region: derived from the construct's unique address (its path, shortened with a hash, as CDK
 * does), lower case, `-`-separated, ending in `-<kind>`, at most `maxLength` characters. Two
 * stacks, or two backends in one stack, never share one; the same construct keeps its name across
 * deployments.
 */
export function physicalName(scope: IConstruct, kind: string, maxLength: number): string {
  const base = Names.uniqueResourceName(scope, { maxLength: maxLength - kind.length - 1, separator: '-' });
  return `${base}-${kind}`.toLowerCase();
}
