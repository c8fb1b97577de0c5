import { readApi } from './api';
import { BackendSpec } from './model';
import { readDatabase, readFunction, readProxy } from './resources';
import { readRoles } from './roles';
import { loadStacks, StackArtifact } from '../../assembly/manifest';
import { LOCAL_METADATA_KEY, LOCAL_METADATA_VERSION, LocalMetadata } from '../../contract';
import { UsageError } from '../../io';

/**
 * Every `SecureLambdaPostgres` in the cloud assembly at `dir` (only in stack `stackName` when
 * given), found by the metadata the construct writes on its function resource.
 */
export function discoverBackends(dir: string, stackName?: string): BackendSpec[] {
  const all = loadStacks(dir);
  const names = all.map((s) => s.displayName).join(', ') || 'none';
  const stacks = stackName === undefined ? all : all.filter((s) => s.id === stackName || s.displayName === stackName);
  if (stacks.length === 0) {
    throw new UsageError(`no stack named ${stackName} in ${dir} (stacks: ${names}); pass one of them to --stack`);
  }
  const backends = stacks.flatMap((stack) => backendsOf(stack));
  if (backends.length === 0) {
    const where = stackName === undefined ? `${dir} (stacks: ${names})` : `stack ${stackName}`;
    throw new UsageError(`no SecureLambdaPostgres in ${where}: add one to the app and run \`cdk synth\`, or pass --assembly DIR`);
  }
  return backends;
}

function backendsOf(stack: StackArtifact): BackendSpec[] {
  const out: BackendSpec[] = [];
  for (const [logicalId, r] of Object.entries(stack.template.Resources ?? {})) {
    const metadata = r.Metadata?.[LOCAL_METADATA_KEY] as LocalMetadata | undefined;
    if (!metadata) {
      continue;
    }
    if (metadata.version !== LOCAL_METADATA_VERSION || metadata.function !== logicalId) {
      throw new UsageError(`${stack.displayName}/${logicalId}: local metadata version ${metadata.version} is not supported by this CLI; use the secure-lambda-postgres version the app synthesizes with`);
    }
    out.push({
      name: metadata.construct,
      stack,
      metadata,
      function: readFunction(stack, metadata.function),
      api: readApi(stack.template, metadata.restApi, metadata.stage, metadata.function),
      database: readDatabase(stack, metadata.database),
      proxy: readProxy(stack, metadata.proxy),
      roles: metadata.migrationFunction === undefined ? undefined : readRoles(stack, metadata.migrationFunction),
    });
  }
  return out;
}
