import { CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { LOCAL_METADATA_KEY, LOCAL_METADATA_VERSION, LocalMetadata } from '../contract';

/** The parts of a `SecureLambdaPostgres` the local stack runs or reads. */
export interface LocalMetadataParts {
  readonly construct: IConstruct;
  readonly function: IConstruct;
  readonly restApi: IConstruct;
  readonly stage: IConstruct;
  readonly proxy: IConstruct;
  readonly database: IConstruct;
  readonly secret: IConstruct;
  readonly migrationFunction: IConstruct;
}

/**
 * Writes the `secure-lambda-postgres:local` entry into the function resource's template metadata,
 * so that `secure-lambda-postgres local` finds this backend and its resources exactly. Logical ids
 * are written as plain strings (not `Ref`s) so the entry adds no dependency between resources.
 */
export function writeLocalMetadata(parts: LocalMetadataParts): void {
  const logicalId = (c: IConstruct): string => {
    const resource = (c instanceof CfnResource ? c : c.node.defaultChild) as CfnResource;
    return Stack.of(resource).getLogicalId(resource);
  };
  const entry: LocalMetadata = {
    version: LOCAL_METADATA_VERSION,
    construct: parts.construct.node.path,
    function: logicalId(parts.function),
    restApi: logicalId(parts.restApi),
    stage: logicalId(parts.stage),
    proxy: logicalId(parts.proxy),
    database: logicalId(parts.database),
    secret: logicalId(parts.secret),
    migrationFunction: logicalId(parts.migrationFunction),
  };
  (parts.function.node.defaultChild as CfnResource).addMetadata(LOCAL_METADATA_KEY, entry);
}
