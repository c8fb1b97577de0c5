import { Fn, Names, Stack } from 'aws-cdk-lib';
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

/**
 * A name for a resource CloudFormation may leave behind (retained on deletion) that a later stack
 * of the same name must not collide with: the construct's unique address, then the last group of
 * the stack id's UUID, which is new for every creation of the stack (a retry after a failed
 * create, or a new stack after `cdk destroy`, gets a new one). Lower case, at most `maxLength`.
 */
export function perCreationName(scope: IConstruct, maxLength: number): string {
  const base = Names.uniqueResourceName(scope, { maxLength: maxLength - CREATION_SUFFIX_LENGTH - 1, separator: '-' }).toLowerCase();
  // arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>: 12 hex digits end the uuid.
  const uuid = Fn.select(2, Fn.split('/', Stack.of(scope).stackId));
  return `${base}-${Fn.select(4, Fn.split('-', uuid))}`;
}

const CREATION_SUFFIX_LENGTH = 12;
