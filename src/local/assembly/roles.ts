import * as fs from 'fs';
import { referencedId } from './intrinsics';
import { RolesSpec } from './model';
import { assetSource } from './resources';
import { StackArtifact, TemplateResource } from '../../assembly/manifest';
import { DB_AUTH_MODES, ENV } from '../../contract';
import { UsageError } from '../../io';
import { appRoleSettingsFrom } from '../../migrations/role-settings';

type Props = Record<string, any>;

/**
 * The database roles and migrations of a backend, read from its migration function: the schema,
 * the owner and app roles, and the migration files (the function's layer, staged in the assembly).
 */
export function readRoles(stack: StackArtifact, migrationFunctionId: string): RolesSpec {
  const resources = (stack.template.Resources ?? {}) as Record<string, TemplateResource & { Properties?: Props }>;
  const fn = resources[migrationFunctionId];
  const env: Props = fn?.Properties?.Environment?.Variables ?? {};
  const schema = env[ENV.MIGRATION_SCHEMA];
  const app = env[ENV.MIGRATION_APP_USER];
  const owner = secretUsername(resources, env[ENV.MIGRATION_OWNER_SECRET_ARN]);
  if (fn?.Type !== 'AWS::Lambda::Function' || typeof schema !== 'string' || typeof app !== 'string' || !owner) {
    throw new UsageError(`${stack.displayName}: the migration function ${migrationFunctionId} does not name its schema and roles; synthesize the app again with this version of secure-lambda-postgres`);
  }
  const checksum = typeof env[ENV.MIGRATION_SET_CHECKSUM] === 'string' ? env[ENV.MIGRATION_SET_CHECKSUM] as string : undefined;
  const appAuth = env[ENV.MIGRATION_APP_AUTH_MODE] === DB_AUTH_MODES.IAM ? 'iam' : 'password';
  const appSettings = appRoleSettingsFrom(env);
  if (checksum === undefined) return { schema, owner, app, appAuth, appSettings };
  const layer = resources[referencedId((fn.Properties?.Layers ?? [])[0]) ?? ''];
  const migrationsDir = layer && assetSource(stack, layer, layer.Properties?.Content?.S3Key);
  if (!migrationsDir || !fs.existsSync(migrationsDir)) {
    throw new UsageError(`${stack.displayName}: the migration files of ${migrationFunctionId} are not in the assembly; run \`cdk synth\` again`);
  }
  return { schema, owner, app, appAuth, appSettings, migrationsDir, checksum };
}

/** The `username` a generated secret's template sets, through its attachment when there is one. */
function secretUsername(resources: Record<string, TemplateResource & { Properties?: Props }>, ref: unknown): string | undefined {
  let r = resources[referencedId(ref) ?? ''];
  if (r?.Type === 'AWS::SecretsManager::SecretTargetAttachment') r = resources[referencedId(r.Properties?.SecretId) ?? ''];
  const template = r?.Properties?.GenerateSecretString?.SecretStringTemplate;
  try {
    const username = typeof template === 'string' ? JSON.parse(template).username : undefined;
    return typeof username === 'string' ? username : undefined;
  } catch {
    return undefined;
  }
}
