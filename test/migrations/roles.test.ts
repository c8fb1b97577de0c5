/**
 * What the bootstrap promises about the roles, checked as the roles themselves over TLS on a real
 * PostgreSQL server: the app role can use the migrated tables and nothing else; the owner owns the
 * schema; both lose what they should not have; passwords follow their secrets; IAM mode.
 */
import { Client } from 'pg';
import { databaseFixture, migrationFiles, useRolesEngine } from './fixture';
import { bootstrapRoles } from '../../src/migrations/bootstrap';
import { MigrationError } from '../../src/migrations/errors';
import { newPassword } from '../harness/database';
import { trackSecret } from '../harness/leaks';
import { queryAs } from '../harness/roles';

jest.setTimeout(60000);

const { engine, describeEngine } = useRolesEngine('role tests');

const SCHEMA = {
  '1_notes.sql': 'CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);',
};

describeEngine('the application role', () => {
  let db: Awaited<ReturnType<typeof databaseFixture>>;

  beforeAll(async () => {
    db = await databaseFixture(engine());
    await db.run(migrationFiles(SCHEMA));
  });

  test('reads and writes the migrated tables (and their sequences), unqualified', async () => {
    expect(await db.asApp("INSERT INTO notes (body) VALUES ('hello') RETURNING id")).toEqual([{ id: 1 }]);
    expect(await db.asApp("UPDATE notes SET body = 'hi' WHERE id = 1 RETURNING body")).toEqual([{ body: 'hi' }]);
    expect(await db.asApp('SELECT body FROM notes')).toEqual([{ body: 'hi' }]);
    expect(await db.asApp('DELETE FROM notes RETURNING id')).toEqual([{ id: 1 }]);
    expect(await db.asApp('SELECT current_user AS me, current_schema() AS schema')).toEqual([{ me: db.app.username, schema: 'app' }]);
  });

  test('uses a table a later migration creates without any grant in it', async () => {
    await db.run(migrationFiles({ ...SCHEMA, '2_tags.sql': 'CREATE TABLE tags (id bigserial PRIMARY KEY, name text);' }));
    expect(await db.asApp("INSERT INTO tags (name) VALUES ('x') RETURNING id")).toEqual([{ id: '1' }]);
  });

  test.each([
    ['CREATE TABLE in the schema', 'CREATE TABLE app.mine (id int)', 'permission denied for schema app'],
    ['CREATE TABLE in public', 'CREATE TABLE public.mine (id int)', 'permission denied for schema public'],
    ['CREATE TEMP TABLE', 'CREATE TEMP TABLE mine (id int)', /permission denied to create temporary tables/],
    ['CREATE FUNCTION', 'CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', 'permission denied for schema app'],
    ['DROP', 'DROP TABLE notes', 'must be owner of table notes'],
    ['ALTER', 'ALTER TABLE notes ADD COLUMN x int', 'must be owner of table notes'],
    ['TRUNCATE', 'TRUNCATE notes', 'permission denied for table notes'],
    ['CREATE INDEX', 'CREATE INDEX ON notes (body)', 'must be owner of table notes'],
    ['CREATE ROLE', 'CREATE ROLE intruder', 'permission denied to create role'],
    ['CREATE SCHEMA', 'CREATE SCHEMA mine', 'permission denied for database'],
    ['read pg_authid', 'SELECT rolpassword FROM pg_authid', 'permission denied for table pg_authid'],
    ['read the migration history', 'SELECT * FROM app_migrations.history', 'permission denied for schema app_migrations'],
    ['SET ROLE to the owner', 'SET ROLE :owner', /permission denied to set role/],
  ])('cannot %s', async (_what, sql, error) => {
    const statement = sql.replace(':owner', `"${db.owner.username}"`);
    await expect(db.asApp(statement)).rejects.toThrow(error);
  });

  test('cannot pass its privileges on (PostgreSQL only warns, and grants nothing)', async () => {
    await db.asApp('GRANT SELECT ON notes TO PUBLIC');
    expect(await db.asSuperuser("SELECT has_table_privilege('public', 'app.notes', 'SELECT') AS granted")).toEqual([{ granted: false }]);
  });

  test("cannot read other roles' tables", async () => {
    await queryAs(engine(), db.database, db.master, 'CREATE TABLE public.admin_only (secret text)');
    await expect(db.asApp('SELECT * FROM public.admin_only')).rejects.toThrow('permission denied for table admin_only');
  });

  test('neither role has an attribute beyond LOGIN, nor a membership', async () => {
    const roles = await db.asSuperuser(
      `SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin,
              (SELECT count(*)::int FROM pg_auth_members m WHERE m.member = r.oid) AS memberships
         FROM pg_roles r WHERE rolname = ANY($1) ORDER BY rolname`, [[db.app.username, db.owner.username]]);
    const expected = {
      rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false, rolcanlogin: true, memberships: 0,
    };
    expect(roles).toEqual([{ rolname: db.app.username, ...expected }, { rolname: db.owner.username, ...expected }]);
  });
});

describeEngine('the bootstrap', () => {
  test('is idempotent and takes back what was granted beyond the promise', async () => {
    const db = await databaseFixture(engine());
    await db.run([]);
    await db.asSuperuser(`ALTER ROLE "${db.app.username}" CREATEDB CREATEROLE`);
    await db.asSuperuser(`GRANT TEMPORARY, CREATE ON DATABASE "${db.database}" TO PUBLIC, "${db.app.username}"`);
    await db.asSuperuser('GRANT CREATE ON SCHEMA public TO PUBLIC'); // as engines before 15 have it
    expect(await db.run([])).toMatchObject({ created: [], passwordsReset: [], warnings: [] });
    const [app] = await db.asSuperuser(`SELECT rolcreatedb, rolcreaterole,
        has_database_privilege(rolname, current_database(), 'TEMPORARY') AS temp,
        has_database_privilege(rolname, current_database(), 'CREATE') AS create,
        has_schema_privilege(rolname, 'public', 'CREATE') AS public_create
      FROM pg_roles WHERE rolname = $1`, [db.app.username]);
    expect(app).toEqual({ rolcreatedb: false, rolcreaterole: false, temp: false, create: false, public_create: false });
  });

  test('is one transaction: another session never sees the roles half-corrected', async () => {
    // GIVEN roles that exist, and the bootstrap run again on an admin connection of our own
    const db = await databaseFixture(engine());
    await db.run([]);
    const admin = new Client({ ...engine().target(db.database), user: db.master.username, password: db.master.password });
    await admin.connect();
    const failures: string[] = [];
    const query = admin.query.bind(admin) as (text: string, values?: unknown[]) => Promise<unknown>;
    // WHEN the app role connects after each of its statements (what a second run does meanwhile)
    (admin as unknown as { query: typeof query }).query = async (text, values) => {
      const result = await query(text, values);
      await db.asApp('SELECT 1').catch((err: Error) => failures.push(`after ${text.slice(0, 50)}: ${err.message}`));
      return result;
    };
    try {
      await bootstrapRoles(admin, { database: db.database, schema: 'app', owner: db.owner.username, app: db.app.username, appAuth: 'password' },
        { owner: db.owner.password, app: db.app.password });
    } finally {
      await admin.end();
    }
    // THEN it could connect every time
    expect(failures).toEqual([]);
  });

  test("sets the app role's timeouts in the database: its sessions have them without any SET, the owner's do not", async () => {
    const db = await databaseFixture(engine());
    const settings = "SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle";
    await db.run([], { appSettings: { statementTimeoutMs: 7000, idleInTransactionSessionTimeoutMs: 8000 } });
    expect(await db.asApp(settings)).toEqual([{ statement: '7s', idle: '8s' }]);
    expect(await db.asOwner(settings)).toEqual([{ statement: '0', idle: '0' }]);
    // A new deployment with another function timeout brings them along.
    await db.run([], { appSettings: { statementTimeoutMs: 300, idleInTransactionSessionTimeoutMs: 400 } });
    expect(await db.asApp(settings)).toEqual([{ statement: '300ms', idle: '400ms' }]);
    await expect(db.asApp('SELECT pg_sleep(2)')).rejects.toThrow('canceling statement due to statement timeout');
    // A transaction left open (a function frozen or timed out in it) is ended by the server.
    const app = new Client({ ...engine().target(db.database), user: db.app.username, password: db.app.password });
    const ended = new Promise<Error>((resolve) => app.on('error', resolve));
    await app.connect();
    try {
      await app.query('BEGIN');
      let timer: NodeJS.Timeout | undefined;
      const open = new Promise<Error>((resolve) => (timer = setTimeout(() => resolve(new Error('still open after 3 s')), 3000)));
      expect((await Promise.race([ended, open])).message).toMatch(/terminating connection due to idle-in-transaction timeout/);
      clearTimeout(timer);
    } finally {
      await app.end().catch(() => undefined);
    }
    // Without settings (an older template), a run leaves them as they are.
    await db.run([]);
    expect(await db.asApp(settings)).toEqual([{ statement: '300ms', idle: '400ms' }]);
  });

  test('refuses a role only a superuser could correct, and says what to run', async () => {
    const db = await databaseFixture(engine());
    await db.asSuperuser(`CREATE ROLE "${db.app.username}" LOGIN BYPASSRLS`);
    await expect(db.run([])).rejects.toThrow(new MigrationError('bootstrap',
      `Role ${db.app.username} has BYPASSRLS, which only a superuser can take away: run ALTER ROLE ${db.app.username} NOBYPASSRLS as one, then deploy again.`));
  });

  test('refuses a schema someone else owns', async () => {
    const db = await databaseFixture(engine());
    await queryAs(engine(), db.database, db.master, 'CREATE SCHEMA app');
    await expect(db.run([])).rejects.toThrow(`Schema app is owned by ${db.master.username}, not by the owner role ${db.owner.username}: run ALTER SCHEMA app OWNER TO ${db.owner.username} as an administrator, then deploy again.`);
  });

  test('a role whose password no longer matches its secret gets the secret\'s; a rotation in progress is left alone', async () => {
    const db = await databaseFixture(engine());
    await db.run([]);
    await db.asSuperuser(`ALTER ROLE "${db.app.username}" PASSWORD 'drifted-away'`);
    expect(await db.run([])).toMatchObject({ passwordsReset: [db.app.username] });
    expect(await db.asApp('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);

    // Rotation between setSecret and finishSecret: the database has AWSPENDING, the secret's AWSCURRENT is older.
    const pending = trackSecret('pending password', newPassword());
    await db.asSuperuser(`ALTER ROLE "${db.owner.username}" PASSWORD '${pending}'`);
    expect(await db.run([], { owner: { ...db.owner, pendingPassword: pending } })).toMatchObject({ passwordsReset: [] });
    expect(await queryAs(engine(), db.database, { username: db.owner.username, password: pending }, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
  });

  test('the password is sent as a SCRAM verifier, never in the clear', async () => {
    const db = await databaseFixture(engine());
    await db.asSuperuser("ALTER SYSTEM SET log_statement = 'ddl'");
    await db.asSuperuser('SELECT pg_reload_conf()');
    try {
      await db.run([]);
      const [{ verifier }] = await db.asSuperuser<{ verifier: string }>('SELECT rolpassword AS verifier FROM pg_authid WHERE rolname = $1', [db.app.username]);
      expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:/);
      const log = (await db.asSuperuser<{ log: string }>("SELECT pg_read_file(current_setting('data_directory') || '/../postgres.log') AS log"))[0].log;
      expect(log).toContain(`CREATE ROLE "${db.app.username}"`);
      expect(log).not.toContain(db.app.password!);
      expect(log).not.toContain(db.owner.password);
    } finally {
      await db.asSuperuser('ALTER SYSTEM RESET log_statement');
      await db.asSuperuser('SELECT pg_reload_conf()');
    }
  });

  test('a renamed app role gets the existing tables', async () => {
    const db = await databaseFixture(engine());
    await db.run(migrationFiles(SCHEMA));
    db.app = { username: `${db.app.username}2`, authentication: 'password', password: trackSecret('app password', newPassword()) };
    expect(await db.run(migrationFiles(SCHEMA))).toMatchObject({ created: [db.app.username], applied: [] });
    expect(await db.asApp("INSERT INTO notes (body) VALUES ('renamed') RETURNING id")).toEqual([{ id: 1 }]);
  });
});

describeEngine('IAM authentication', () => {
  test('the app role is a member of rds_iam and has no password; back to passwords, it is not', async () => {
    const db = await databaseFixture(engine(), 'iam');
    expect(await db.run(migrationFiles(SCHEMA))).toMatchObject({ created: [db.owner.username, db.app.username] });
    const state = () => db.asSuperuser(`SELECT rolpassword IS NULL AS no_password, pg_has_role(rolname, 'rds_iam', 'MEMBER') AS rds_iam
      FROM pg_authid WHERE rolname = $1`, [db.app.username]);
    expect(await state()).toEqual([{ no_password: true, rds_iam: true }]);

    db.app = { ...db.app, authentication: 'password', password: trackSecret('app password', newPassword()) };
    expect(await db.run(migrationFiles(SCHEMA))).toMatchObject({ passwordsReset: [db.app.username] });
    expect(await state()).toEqual([{ no_password: false, rds_iam: false }]);
    expect(await db.asApp('SELECT count(*)::int AS n FROM notes')).toEqual([{ n: 0 }]);
  });

  test('without an rds_iam role (not RDS) the run says so', async () => {
    const db = await databaseFixture(engine(), 'iam');
    await db.asSuperuser('ALTER ROLE rds_iam RENAME TO rds_iam_away');
    try {
      await expect(db.run([])).rejects.toThrow('IAM authentication needs the rds_iam role, which only Amazon RDS has: use password authentication with this database.');
    } finally {
      await db.asSuperuser('ALTER ROLE rds_iam_away RENAME TO rds_iam');
    }
  });
});
