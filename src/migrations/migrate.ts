import { Client, ClientConfig } from 'pg';
import { bootstrapRoles, RoleSpec, setPassword } from './bootstrap';
import { describePgError, MigrationError, sqlStateOf } from './errors';
import { MigrationFile } from './files';
import { AppRoleSettings } from './role-settings';
import { applyMigrations, MigrationLog, MigrationResult, withMigrationLock } from './runner';

/** Where the database is: everything of a `pg` client configuration but the user and password. */
export type DatabaseTarget = Omit<ClientConfig, 'user' | 'password' | 'connectionString'>;

/** A role and the password its secret holds. */
export interface RoleLogin {
  readonly username: string;
  readonly password: string;
  /**
   * The password a rotation in progress is setting (the secret's `AWSPENDING` version): accepted
   * when the current one is not, so that a deployment never undoes a rotation half-way through.
   * @default none
   */
  readonly pendingPassword?: string;
}

/** The application role: password login (its own secret) or IAM tokens. */
export interface AppLogin {
  readonly username: string;
  readonly authentication: 'password' | 'iam';
  /** Required with password authentication. @default none */
  readonly password?: string;
  /** @default none */
  readonly pendingPassword?: string;
}

/** Everything {@link migrateDatabase} needs; the same for the deploy-time function and a local stack. */
export interface MigrateDatabaseOptions {
  readonly target: DatabaseTarget;
  /** An administrator (the RDS master user) who may create roles; used only for the bootstrap. */
  readonly admin: RoleLogin;
  /** The owner / migration role: owns the schema and runs the migration files. */
  readonly owner: RoleLogin;
  /** The application role: DML on the schema's tables. */
  readonly app: AppLogin;
  /** The application schema. */
  readonly schema: string;
  /** The app role's timeouts in the database. @default - left as they are */
  readonly appSettings?: AppRoleSettings;
  /** The migration files, ordered (see `readMigrationDirectory`); may be empty. */
  readonly files: readonly MigrationFile[];
  /** Epoch milliseconds by which the run must be over. @default none */
  readonly deadline?: number;
  readonly log?: MigrationLog;
}

/** What a run did. */
export interface MigrateDatabaseResult extends MigrationResult {
  /** Roles the bootstrap created. */
  readonly created: string[];
  /** Roles whose password was set to their secret's, because it no longer logged in. */
  readonly passwordsReset: string[];
  /** What could not be tightened, with what to do. */
  readonly warnings: string[];
}

const APPLICATION_NAME = 'secure-lambda-postgres-migrations';

/**
 * Bootstrap the roles and apply the migrations: the whole deploy-time job, one connection at a
 * time, each to the instance itself. First the admin creates or corrects the roles and grants
 * (under the schema's advisory lock); then the app role's and the owner's secrets are tried (a
 * role that no longer logs in with its secret gets that password from the admin); then the owner
 * applies the pending files (see `applyMigrations`). Failures are {@link MigrationError}s.
 */
export async function migrateDatabase(options: MigrateDatabaseOptions): Promise<MigrateDatabaseResult> {
  const log = options.log ?? (() => undefined);
  const { target, app } = options;
  if (app.authentication === 'password' && !app.password) {
    throw new MigrationError('bootstrap', `The app role ${app.username} authenticates with a password, but none was given.`);
  }
  const database = typeof target.database === 'string' ? target.database : '';
  const spec: RoleSpec = {
    database, schema: options.schema, owner: options.owner.username, app: app.username, appAuth: app.authentication, appSettings: options.appSettings,
  };
  const passwords = { owner: options.owner.password, app: app.password };
  const bootstrap = await asAdmin(options, admin =>
    withMigrationLock(admin, options.schema, options.deadline, () => bootstrapRoles(admin, spec, passwords)));
  log('migration.roles', { created: bootstrap.created, warnings: bootstrap.warnings });

  const passwordsReset: string[] = [];
  if (app.authentication === 'password') {
    const client = await logIn(options, { username: app.username, password: app.password!, pendingPassword: app.pendingPassword }, passwordsReset);
    await client.end();
  }
  const owner = await logIn(options, options.owner, passwordsReset);
  try {
    const result = await applyMigrations(owner, {
      schema: options.schema,
      appUser: app.username,
      files: options.files,
      grantExistingTables: bootstrap.created.includes(app.username),
      deadline: options.deadline,
      log,
    });
    return { ...result, created: bootstrap.created, passwordsReset, warnings: bootstrap.warnings };
  } finally {
    await owner.end().catch(() => undefined);
  }
}

async function asAdmin<T>(options: MigrateDatabaseOptions, body: (admin: Client) => Promise<T>): Promise<T> {
  const admin = await connect(options.target, options.admin.username, [options.admin.password, options.admin.pendingPassword]);
  if (!admin) {
    throw new MigrationError('bootstrap', `The admin role ${options.admin.username} was refused with the password of its secret: check the master secret.`, { sqlState: '28P01' });
  }
  try {
    return await body(admin);
  } catch (err) {
    if (err instanceof MigrationError) throw err;
    throw new MigrationError('bootstrap', `Setting up the roles failed: ${describePgError(err)}`, { sqlState: sqlStateOf(err) });
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/**
 * A connection as `role` with the first of its secret's passwords the database accepts; when none
 * is, the admin sets the current one (the secret is the source of truth) and it must then work.
 */
async function logIn(options: MigrateDatabaseOptions, role: RoleLogin, reset: string[]): Promise<Client> {
  const client = await connect(options.target, role.username, [role.password, role.pendingPassword]);
  if (client) return client;
  await asAdmin(options, admin => setPassword(admin, role.username, role.password));
  reset.push(role.username);
  options.log?.('migration.password-reset', { role: role.username });
  const retried = await connect(options.target, role.username, [role.password]);
  if (!retried) {
    throw new MigrationError('bootstrap', `Role ${role.username} is refused even with the password just set from its secret: check the database's authentication rules (pg_hba) for it.`, { sqlState: '28P01' });
  }
  return retried;
}

/** Connected as `user` with the first accepted password, or `undefined` when all are refused. */
async function connect(target: DatabaseTarget, user: string, passwords: ReadonlyArray<string | undefined>): Promise<Client | undefined> {
  for (const password of passwords) {
    if (password === undefined) continue;
    const client = new Client({ connectionTimeoutMillis: 10000, keepAlive: true, application_name: APPLICATION_NAME, ...target, user, password });
    // A connection dropped while idle must not crash the process; the next query reports it.
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (sqlStateOf(err) === '28P01') continue;
      throw new MigrationError('bootstrap', `Could not connect to database ${String(target.database)} as ${user}: ${describePgError(err)}`, { sqlState: sqlStateOf(err) });
    }
  }
  return undefined;
}
