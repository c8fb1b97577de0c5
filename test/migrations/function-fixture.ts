import { ENV } from '../../src/contract';
import { MIGRATION_TIMEOUT } from '../../src/database/migrator';
import { checksumOfSet, readMigrationDirectory } from '../../src/migrations/files';
import { ensureBundle } from '../harness/bundle';
import { newPassword, RealPostgres } from '../harness/database';
import { LambdaProcess, ThrownError } from '../harness/lambda';
import { trackSecret } from '../harness/leaks';
import { rdsLikeDatabase, rolesEngineOn, rolesEngineUnavailable, RolesEngine } from '../harness/roles';
import { pgbouncerUnavailable, TestStack } from '../harness/stack';

/** Why the built migration function cannot run here, if it cannot. */
export const FUNCTION_SKIP = rolesEngineUnavailable() ?? pgbouncerUnavailable();

/**
 * The built migration function against real PostgreSQL with TLS and the loopback Secrets Manager:
 * an RDS-like database with its master secret, and the owner's and app role's secrets.
 */
export class MigrationFunctionFixture {
  public stack!: TestStack;
  public engine!: RolesEngine;
  public database = '';
  public readonly app: { username: string; password: string };
  public readonly owner: { username: string; password: string };
  public readonly arns = { master: '', owner: '', app: '' };
  private readonly lambdas: LambdaProcess[] = [];

  constructor(private readonly name: string) {
    this.app = { username: `${name}_app`, password: trackSecret('app password', newPassword()) };
    this.owner = { username: `${name}_owner`, password: trackSecret('owner password', newPassword()) };
  }

  public async setUp(): Promise<void> {
    ensureBundle();
    this.stack = await TestStack.start();
    this.engine = rolesEngineOn(this.stack.db as RealPostgres, this.stack.certs);
    const db = await rdsLikeDatabase(this.engine, `${this.name}roles`);
    this.database = db.database;
    this.arns.master = this.stack.sm.arn('db/master');
    this.arns.owner = this.stack.sm.arn('db/owner');
    this.arns.app = this.stack.sm.arn('db/app');
    const secret = (login: { username: string; password: string }) => JSON.stringify({ engine: 'postgres', host: 'localhost', port: this.stack.db.port, dbname: this.database, ...login });
    this.stack.sm.put(this.arns.master, secret(db.master));
    this.stack.sm.put(this.arns.owner, secret(this.owner));
    this.stack.sm.put(this.arns.app, secret(this.app));
  }

  public async tearDown(): Promise<void> {
    await Promise.all(this.lambdas.map(l => l.stop()));
    await this.stack?.destroy();
  }

  /** What the construct puts in the migration function's environment, pointed at the loopback services. */
  public env(dir: string, overrides: Record<string, string | undefined> = {}): Record<string, string> {
    return this.stack.env({
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
      [ENV.MIGRATION_DB_PORT]: String(this.stack.db.port),
      [ENV.MIGRATION_DB_NAME]: this.database,
      [ENV.MIGRATION_SCHEMA]: 'app',
      [ENV.MIGRATION_MASTER_SECRET_ARN]: this.arns.master,
      [ENV.MIGRATION_OWNER_SECRET_ARN]: this.arns.owner,
      [ENV.MIGRATION_APP_SECRET_ARN]: this.arns.app,
      [ENV.MIGRATION_APP_USER]: this.app.username,
      [ENV.MIGRATION_APP_AUTH_MODE]: 'password',
      [ENV.MIGRATION_DIR]: dir,
      [ENV.MIGRATION_SET_CHECKSUM]: checksumOfSet(readMigrationDirectory(dir, false)),
      ...overrides,
    });
  }

  /** A function process, stopped by {@link tearDown}. */
  public async start(env: Record<string, string>, handler: string): Promise<LambdaProcess> {
    const l = await LambdaProcess.start(env, handler);
    this.lambdas.push(l);
    return l;
  }
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
