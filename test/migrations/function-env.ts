import { ENV } from '../../src/contract';
import { MIGRATION_TIMEOUT } from '../../src/database/migrator';
import { checksumOfSet, readMigrationDirectory } from '../../src/migrations/files';
import { newPassword } from '../harness/database';
import { LambdaProcess, ThrownError } from '../harness/lambda';
import { trackSecret } from '../harness/leaks';
import { rdsLikeDatabase, RolesEngine } from '../harness/roles';
import { TestStack } from '../harness/stack';

/** A database set up the way RDS hands one over, with the three secrets the migration function reads. */
export interface FunctionDatabase {
  readonly database: string;
  readonly owner: { readonly username: string; readonly password: string };
  readonly app: { readonly username: string; readonly password: string };
  readonly arns: { readonly master: string; readonly owner: string; readonly app: string };
  /** What the construct puts in the migration function's environment, pointed at the loopback services. */
  env(dir: string, overrides?: Record<string, string | undefined>): Record<string, string>;
}

/** The owner and app logins of database `name`: roles `<name>_owner` and `<name>_app`, new passwords. */
export function newLogins(name: string): Pick<FunctionDatabase, 'owner' | 'app'> {
  return {
    owner: { username: `${name}_owner`, password: trackSecret('owner password', newPassword()) },
    app: { username: `${name}_app`, password: trackSecret('app password', newPassword()) },
  };
}

/** A fresh database `name` with the owner and app roles' secrets (and the master's) in the stack's Secrets Manager. */
export async function functionDatabase(stack: TestStack, engine: RolesEngine, name: string, logins = newLogins(name)): Promise<FunctionDatabase> {
  const { database, master } = await rdsLikeDatabase(engine, name);
  const { owner, app } = logins;
  const arns = { master: stack.sm.arn(`${name}/master`), owner: stack.sm.arn(`${name}/owner`), app: stack.sm.arn(`${name}/app`) };
  const secret = (login: { username: string; password: string }) => JSON.stringify({ engine: 'postgres', host: 'localhost', port: stack.db.port, dbname: database, ...login });
  stack.sm.put(arns.master, secret(master));
  stack.sm.put(arns.owner, secret(owner));
  stack.sm.put(arns.app, secret(app));
  const env = (dir: string, overrides: Record<string, string | undefined> = {}) => stack.env({
    [ENV.DB_HOST]: undefined,
    [ENV.DB_PORT]: undefined,
    [ENV.DB_NAME]: undefined,
    [ENV.DB_SECRET_ARN]: undefined,
    [ENV.DB_AUTH_MODE]: undefined,
    [ENV.CLERK_JWT_KEY]: undefined,
    [ENV.CLERK_AUTHORIZED_PARTIES]: undefined,
    // The shim enforces the timeout the construct gives the migration function.
    SLP_LAMBDA_TIMEOUT_MS: String(MIGRATION_TIMEOUT.toMilliseconds()),
    [ENV.MIGRATION_DB_HOST]: 'localhost',
    [ENV.MIGRATION_DB_PORT]: String(stack.db.port),
    [ENV.MIGRATION_DB_NAME]: database,
    [ENV.MIGRATION_SCHEMA]: 'app',
    [ENV.MIGRATION_MASTER_SECRET_ARN]: arns.master,
    [ENV.MIGRATION_OWNER_SECRET_ARN]: arns.owner,
    [ENV.MIGRATION_APP_SECRET_ARN]: arns.app,
    [ENV.MIGRATION_APP_USER]: app.username,
    [ENV.MIGRATION_APP_AUTH_MODE]: 'password',
    [ENV.MIGRATION_APP_STATEMENT_TIMEOUT_MS]: '10000',
    [ENV.MIGRATION_APP_IDLE_IN_TRANSACTION_TIMEOUT_MS]: '10000',
    [ENV.MIGRATION_DIR]: dir,
    [ENV.MIGRATION_SET_CHECKSUM]: checksumOfSet(readMigrationDirectory(dir, false)),
    ...overrides,
  });
  return { database, owner, app, arns, env };
}

/** What the trigger would report to CloudFormation: the function's error. */
export async function failure(l: LambdaProcess): Promise<ThrownError> {
  try {
    await l.invoke({});
  } catch (err) {
    const thrown = (err as { thrown?: ThrownError }).thrown;
    if (thrown) return thrown;
    throw err;
  }
  throw new Error('expected the migration function to fail');
}
