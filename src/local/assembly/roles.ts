import { referencedId } from './intrinsics';
import { StackArtifact } from './manifest';
import { FunctionSpec, RolesSpec, SecretSpec } from './model';
import { assetDirectory, readFunction } from './resources';
import { ENV } from '../../contract';

type Props = Record<string, any>;

/**
 * A secret the template refers to (the secret, or its attachment to the instance): the ids a
 * `Ref` to it may name, and the user name its generated value starts from.
 */
export function readSecret(stack: StackArtifact, logicalId: string): SecretSpec {
  const resources = stack.template.Resources ?? {};
  const attached = resources[logicalId]?.Type === 'AWS::SecretsManager::SecretTargetAttachment'
    ? referencedId(resources[logicalId].Properties?.SecretId) : undefined;
  const secret = resources[attached ?? logicalId]?.Properties as Props | undefined;
  let username: string | undefined;
  try {
    const template = JSON.parse(String(secret?.GenerateSecretString?.SecretStringTemplate ?? '{}')) as Props;
    username = typeof template.username === 'string' ? template.username : undefined;
  } catch {
    username = undefined;
  }
  return { ids: [logicalId, ...(attached ? [attached] : [])], username };
}

/**
 * The database roles and the deploy-time migration function of a backend: the function whose
 * `MIGRATION_DB_HOST` is the instance's address, with its secrets (master, owner, app) and the
 * directories of its layers (the migration files); undefined for a template without one.
 */
export function readRoles(stack: StackArtifact, databaseId: string): RolesSpec | undefined {
  const resources = stack.template.Resources ?? {};
  const entry = Object.entries(resources).find(([, r]) => r.Type === 'AWS::Lambda::Function'
    && referencedId((r.Properties as Props | undefined)?.Environment?.Variables?.[ENV.MIGRATION_DB_HOST]) === databaseId);
  if (!entry) return undefined;
  const migration: FunctionSpec = readFunction(stack, entry[0]);
  const env = migration.environment;
  const secret = (name: string) => {
    const id = referencedId(env[name]);
    return id === undefined ? undefined : readSecret(stack, id);
  };
  const layers = ((entry[1].Properties as Props).Layers ?? []).map((l: unknown) => referencedId(l))
    .filter((id: string | undefined): id is string => id !== undefined && resources[id]?.Type === 'AWS::Lambda::LayerVersion');
  return {
    migration,
    master: secret(ENV.MIGRATION_MASTER_SECRET_ARN),
    owner: secret(ENV.MIGRATION_OWNER_SECRET_ARN),
    app: secret(ENV.MIGRATION_APP_SECRET_ARN),
    appUser: typeof env[ENV.MIGRATION_APP_USER] === 'string' ? String(env[ENV.MIGRATION_APP_USER]) : undefined,
    layerDirectories: layers.map((id: string) => assetDirectory(stack, resources[id], (resources[id].Properties as Props | undefined)?.Content?.S3Key, `the content of layer ${id}`)),
  };
}
