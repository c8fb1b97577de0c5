import { Client } from 'pg';
import { MigrationError, sqlStateOf } from './errors';
import { AppRoleSettings, appRoleSettingPairs } from './role-settings';
import { historySchemaOf } from './runner';
import { scramVerifier } from './scram';
import { quoteIdent, quoteLiteral } from './sql';

/** The roles of an application database and how its app role logs in. */
export interface RoleSpec {
  /** The application database (the admin's connection is to it). */
  readonly database: string;
  /** The application schema, owned by `owner`. */
  readonly schema: string;
  /** The owner / migration role. */
  readonly owner: string;
  /** The application role: DML only. */
  readonly app: string;
  /** `iam`: the app role logs in with RDS IAM tokens (`rds_iam`, no password). */
  readonly appAuth: 'password' | 'iam';
  /** The app role's timeouts in the database. @default - left as they are */
  readonly appSettings?: AppRoleSettings;
}

/** The passwords roles get when they are created. */
export interface InitialPasswords {
  readonly owner: string;
  /** Absent with IAM authentication. */
  readonly app?: string;
}

/** What the bootstrap changed. */
export interface BootstrapResult {
  /** Roles that did not exist and were created. */
  readonly created: string[];
  /** What could not be tightened, with what to do (the run goes on). */
  readonly warnings: string[];
}

/**
 * Make the roles and their database-level grants what the construct promises, as the admin
 * (master) user, connected to the application database. Idempotent: roles are created only when
 * missing (with the given passwords), and existing ones are brought back to the spec:
 * - both roles: `LOGIN`, no `CREATEDB`/`CREATEROLE`; neither may be a superuser, replicate or
 *   bypass row-level security (only a superuser could grant that, and the run fails if one did);
 * - the database: PUBLIC loses `CONNECT`/`TEMPORARY`; the owner may connect, create schemas and
 *   temporary tables; the app role may only connect;
 * - the `public` schema admits no `CREATE` from PUBLIC (PostgreSQL 15 and newer already do not);
 * - the app role is a member of `rds_iam` exactly when it authenticates with IAM;
 * - each role's `search_path` in this database is the application schema, and the app role's
 *   statement and idle-in-transaction timeouts are `appSettings` (see {@link AppRoleSettings}).
 * Passwords of existing roles are left alone: see {@link setPassword}.
 */
export async function bootstrapRoles(admin: Client, spec: RoleSpec, passwords: InitialPasswords): Promise<BootstrapResult> {
  // One transaction: a session connecting meanwhile (a second run, the function) never sees the
  // grants between the REVOKE and the GRANT that restores them.
  await admin.query('BEGIN');
  try {
    const result = await bootstrapInTransaction(admin, spec, passwords);
    await admin.query('COMMIT');
    return result;
  } catch (err) {
    await admin.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function bootstrapInTransaction(admin: Client, spec: RoleSpec, passwords: InitialPasswords): Promise<BootstrapResult> {
  const me = (await admin.query<{ me: string }>('SELECT current_user AS me')).rows[0].me;
  if ([spec.owner, spec.app].includes(me) || spec.owner === spec.app) {
    throw new MigrationError('bootstrap', `The owner (${spec.owner}), app (${spec.app}) and admin (${me}) roles must be three different roles.`);
  }
  const created: string[] = [];
  for (const [role, password] of [[spec.owner, passwords.owner], [spec.app, spec.appAuth === 'iam' ? undefined : passwords.app]] as const) {
    if (await ensureRole(admin, role, password)) created.push(role);
    await admin.query(`ALTER ROLE ${quoteIdent(role)} IN DATABASE ${quoteIdent(spec.database)} SET search_path = ${quoteIdent(spec.schema)}, public`);
  }
  for (const [name, ms] of spec.appSettings ? appRoleSettingPairs(spec.appSettings) : []) {
    await admin.query(`ALTER ROLE ${quoteIdent(spec.app)} IN DATABASE ${quoteIdent(spec.database)} SET ${name} = ${ms}`);
  }
  const warnings = await grantDatabase(admin, spec);
  await checkSchemaOwners(admin, spec);
  await setIamMembership(admin, spec);
  if (spec.appAuth === 'iam') {
    await admin.query(`ALTER ROLE ${quoteIdent(spec.app)} PASSWORD NULL`);
  }
  return { created, warnings };
}

/** Set a role's password (as the admin), sending its SCRAM verifier rather than the password. */
export async function setPassword(admin: Client, role: string, password: string): Promise<void> {
  await admin.query(`ALTER ROLE ${quoteIdent(role)} PASSWORD ${quoteLiteral(scramVerifier(password) ?? password)}`);
}

async function ensureRole(admin: Client, role: string, password: string | undefined): Promise<boolean> {
  const existing = await admin.query<{ rolsuper: boolean; rolreplication: boolean; rolbypassrls: boolean }>(
    'SELECT rolsuper, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = $1', [role]);
  const attributes = 'LOGIN INHERIT NOCREATEDB NOCREATEROLE';
  if (existing.rows.length === 0) {
    const secret = password === undefined ? 'NULL' : quoteLiteral(scramVerifier(password) ?? password);
    await admin.query(`CREATE ROLE ${quoteIdent(role)} ${attributes} PASSWORD ${secret}`);
    return true;
  }
  const r = existing.rows[0];
  const extra = [r.rolsuper && 'SUPERUSER', r.rolreplication && 'REPLICATION', r.rolbypassrls && 'BYPASSRLS'].filter(Boolean);
  if (extra.length > 0) {
    throw new MigrationError('bootstrap', `Role ${role} has ${extra.join(', ')}, which only a superuser can take away: run ALTER ROLE ${role} NO${extra.join(' NO')} as one, then deploy again.`);
  }
  // NOSUPERUSER, NOREPLICATION and NOBYPASSRLS are not repeated: naming them at all needs a superuser.
  await admin.query(`ALTER ROLE ${quoteIdent(role)} ${attributes}`);
  return false;
}

async function grantDatabase(admin: Client, spec: RoleSpec): Promise<string[]> {
  const db = quoteIdent(spec.database);
  await admin.query(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC, ${quoteIdent(spec.app)}`);
  await admin.query(`GRANT CONNECT ON DATABASE ${db} TO ${quoteIdent(spec.app)}`);
  await admin.query(`GRANT CONNECT, CREATE, TEMPORARY ON DATABASE ${db} TO ${quoteIdent(spec.owner)}`);
  // Before PostgreSQL 15 every role may create objects in `public`; engines 15 and newer do not.
  const publicCreate = await admin.query<{ open: boolean }>("SELECT has_schema_privilege('public', 'public', 'CREATE') AS open");
  if (!publicCreate.rows[0]?.open) return [];
  // A savepoint: the refusal must not abort the bootstrap's transaction.
  await admin.query('SAVEPOINT public_create');
  try {
    await admin.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    return [];
  } catch (err) {
    if (sqlStateOf(err) !== '42501') throw err;
    await admin.query('ROLLBACK TO SAVEPOINT public_create');
    return ['Every role may still create objects in schema public, which the admin role does not own: run REVOKE CREATE ON SCHEMA public FROM PUBLIC as its owner.'];
  }
}

/** The owner must own the application schema and its history schema, whoever created them. */
async function checkSchemaOwners(admin: Client, spec: RoleSpec): Promise<void> {
  const { rows } = await admin.query<{ name: string; owner: string }>(
    'SELECT nspname AS name, pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = ANY($1)',
    [[spec.schema, historySchemaOf(spec.schema)]]);
  const foreign = rows.filter(r => r.owner !== spec.owner);
  if (foreign.length > 0) {
    const fix = foreign.map(r => `ALTER SCHEMA ${r.name} OWNER TO ${spec.owner}`).join('; ');
    throw new MigrationError('bootstrap', `Schema ${foreign.map(r => `${r.name} is owned by ${r.owner}`).join(', ')}, not by the owner role ${spec.owner}: run ${fix} as an administrator, then deploy again.`);
  }
}

async function setIamMembership(admin: Client, spec: RoleSpec): Promise<void> {
  const { rows } = await admin.query<{ exists: boolean; member: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') AS exists,
            EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
                    WHERE g.rolname = 'rds_iam' AND u.rolname = $1) AS member`, [spec.app]);
  const { exists, member } = rows[0];
  if (spec.appAuth === 'iam' && !exists) {
    throw new MigrationError('bootstrap', 'IAM authentication needs the rds_iam role, which only Amazon RDS has: use password authentication with this database.');
  }
  if (spec.appAuth === 'iam' && !member) {
    await admin.query(`GRANT rds_iam TO ${quoteIdent(spec.app)}`);
  } else if (spec.appAuth === 'password' && member) {
    await admin.query(`REVOKE rds_iam FROM ${quoteIdent(spec.app)}`);
  }
}
