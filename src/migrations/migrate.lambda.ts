import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DB_AUTH_MODES, ENV } from '../contract';
import { MigrationError } from './errors';
import { checksumOfSet, MigrationFile, readMigrationDirectory } from './files';
import { migrateDatabase, MigrateDatabaseResult, RoleLogin } from './migrate';
import { appRoleSettingsFrom } from './role-settings';
import type { RemainingTime } from '../runtime/deadline';
import { logger, redact, registerSecretValue } from '../runtime/log';
import { SECRETS_MANAGER_CLIENT_CONFIG } from '../runtime/secrets';

/**
 * What the trigger reports to CloudFormation when the run fails: the message alone. Its stack is
 * empty, so the Lambda runtime's error payload (which the trigger copies into the stack event)
 * carries no trace of this code, and the message has every known secret value redacted.
 */
export class MigrationFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationFailed';
    this.stack = '';
  }
}

// Leaves the run time to roll back and report before Lambda stops the function.
const SAFETY_MARGIN_MS = 15000;

let client: SecretsManagerClient | undefined;

/**
 * The deploy-time job, invoked by the stack's trigger before the API function is updated: create
 * or correct the roles (as the master user), then apply the pending migration files as the owner
 * role, directly against the instance. Throws {@link MigrationFailed} to fail the deployment.
 */
export async function handler(_event: unknown, context?: RemainingTime): Promise<MigrateDatabaseResult> {
  const started = Date.now();
  const remaining = context?.getRemainingTimeInMillis?.();
  try {
    const env = readEnvironment();
    const files = loadFiles(env);
    const [admin, owner, app] = await Promise.all([
      readLogin(env.masterSecretArn),
      readLogin(env.ownerSecretArn),
      env.appSecretArn ? readLogin(env.appSecretArn) : undefined,
    ]);
    const result = await migrateDatabase({
      target: { host: env.host, port: env.port, database: env.database, ssl: { rejectUnauthorized: true, servername: env.host } },
      admin,
      owner,
      app: app
        ? { username: env.appUser, authentication: 'password', password: app.password, pendingPassword: app.pendingPassword }
        : { username: env.appUser, authentication: 'iam' },
      schema: env.schema,
      appSettings: appRoleSettingsFrom(process.env),
      files,
      deadline: remaining === undefined ? undefined : started + remaining - SAFETY_MARGIN_MS,
      log: (event, fields, level = 'info') => logger[level](event, fields),
    });
    for (const warning of result.warnings) logger.warn('migration.warning', { warning });
    logger.info('migration.done', { applied: result.applied, alreadyApplied: result.alreadyApplied, ahead: result.ahead, created: result.created, passwordsReset: result.passwordsReset, durationMs: Date.now() - started });
    return result;
  } catch (err) {
    const message = redact(err instanceof Error ? err.message : String(err));
    const e = err instanceof MigrationError ? err : undefined;
    logger.error('migration.failed', { kind: e?.kind ?? 'internal', file: e?.file, line: e?.line, sqlState: e?.sqlState, message, durationMs: Date.now() - started });
    throw new MigrationFailed(message);
  }
}

interface Environment {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly schema: string;
  readonly masterSecretArn: string;
  readonly ownerSecretArn: string;
  readonly appSecretArn?: string;
  readonly appUser: string;
  readonly dir?: string;
  readonly setChecksum?: string;
}

function readEnvironment(): Environment {
  const required = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new MigrationError('bootstrap', `The migration function's environment lacks ${name}; it is set by the construct, so redeploy the stack unchanged.`);
    return value;
  };
  const iam = process.env[ENV.MIGRATION_APP_AUTH_MODE] === DB_AUTH_MODES.IAM;
  return {
    host: required(ENV.MIGRATION_DB_HOST),
    port: Number(required(ENV.MIGRATION_DB_PORT)),
    database: required(ENV.MIGRATION_DB_NAME),
    schema: required(ENV.MIGRATION_SCHEMA),
    masterSecretArn: required(ENV.MIGRATION_MASTER_SECRET_ARN),
    ownerSecretArn: required(ENV.MIGRATION_OWNER_SECRET_ARN),
    appSecretArn: iam ? undefined : required(ENV.MIGRATION_APP_SECRET_ARN),
    appUser: required(ENV.MIGRATION_APP_USER),
    dir: process.env[ENV.MIGRATION_DIR] || undefined,
    setChecksum: process.env[ENV.MIGRATION_SET_CHECKSUM] || undefined,
  };
}

function loadFiles(env: Environment): MigrationFile[] {
  if (!env.dir) return [];
  const files = readMigrationDirectory(env.dir, false);
  if (env.setChecksum && checksumOfSet(files) !== env.setChecksum) {
    throw new MigrationError('bootstrap', `The migration files in ${env.dir} (${files.map(f => f.name).join(', ') || 'none'}) are not the set the stack was synthesized with: redeploy the stack.`);
  }
  return files;
}

/** A role's current credentials, and the password of a rotation in progress if there is one. */
async function readLogin(secretArn: string): Promise<RoleLogin> {
  const [current, pending] = await Promise.all([readSecret(secretArn, 'AWSCURRENT'), readSecret(secretArn, 'AWSPENDING')]);
  if (!current || typeof current.username !== 'string' || typeof current.password !== 'string') {
    throw new MigrationError('bootstrap', `Secret ${secretArn} holds no username and password.`);
  }
  const pendingPassword = pending && typeof pending.password === 'string' && pending.password !== current.password ? pending.password : undefined;
  return { username: current.username, password: current.password, pendingPassword };
}

async function readSecret(secretArn: string, stage: string): Promise<Record<string, unknown> | undefined> {
  // Bounded as the function's client is: a hanging endpoint fails the run in seconds, not at the timeout.
  client ??= new SecretsManagerClient(SECRETS_MANAGER_CLIENT_CONFIG);
  let text: string | undefined;
  try {
    text = (await client.send(new GetSecretValueCommand({ SecretId: secretArn, VersionStage: stage }))).SecretString;
  } catch (err) {
    const name = (err as { name?: string }).name ?? 'Error';
    // No AWSPENDING version: no rotation is in progress.
    if (stage === 'AWSPENDING' && name === 'ResourceNotFoundException') return undefined;
    throw new MigrationError('bootstrap', `Secret ${secretArn} (${stage}) could not be read: ${name}.`);
  }
  registerSecretValue(text);
  try {
    const parsed = JSON.parse(text ?? '') as Record<string, unknown>;
    registerSecretValue(typeof parsed.password === 'string' ? parsed.password : undefined);
    return parsed;
  } catch {
    throw new MigrationError('bootstrap', `Secret ${secretArn} (${stage}) is not JSON.`);
  }
}
