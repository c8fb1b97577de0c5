/**
 * The migration runner (src/migrations) against a real PostgreSQL server over TLS, set up the way
 * RDS hands a database over (a master user that is no superuser): ordering, history and checksums,
 * rollback of a failing file, the advisory lock between concurrent runs.
 */
import { databaseFixture, migrationFiles, useRolesEngine } from './fixture';
import { MigrationError } from '../../src/migrations/errors';
import { migrateDatabase } from '../../src/migrations/migrate';
import { findLeaks } from '../harness/leaks';

jest.setTimeout(60000);

const { engine } = useRolesEngine();

/** The error a promise rejects with (failing when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<MigrationError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(MigrationError);
    return err as MigrationError;
  }
  throw new Error('expected the run to fail');
}

const INIT = {
  '1_users.sql': 'CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE);',
  '2_orders.sql': '-- orders belong to users\nCREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id int REFERENCES users (id));\n',
  '10_order_total.sql': 'ALTER TABLE orders ADD COLUMN total numeric(10, 2) NOT NULL DEFAULT 0;',
};

describe('migrations', () => {
  test('apply in numeric order, each recorded with its checksum, in the owner\'s schema', async () => {
    const db = await databaseFixture(engine());
    const files = migrationFiles(INIT);
    const result = await db.run(files);
    expect(result).toMatchObject({ applied: ['1_users.sql', '2_orders.sql', '10_order_total.sql'], alreadyApplied: 0 });
    const history = await db.asOwner<{ name: string; checksum: string }>('SELECT name, checksum FROM app_migrations.history ORDER BY applied_at, name');
    expect(history).toEqual(files.map(f => ({ name: f.name, checksum: f.checksum })));
    const tables = await db.asSuperuser<{ name: string; owner: string }>(
      "SELECT tablename AS name, tableowner AS owner FROM pg_tables WHERE schemaname = 'app' ORDER BY 1");
    expect(tables).toEqual([{ name: 'orders', owner: db.owner.username }, { name: 'users', owner: db.owner.username }]);
    // 10 ran after 2: the column exists on the table 2 created.
    expect(await db.asOwner("SELECT column_name FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'total'")).toHaveLength(1);
  });

  test('a second run is a no-op; a new file is applied on its own', async () => {
    const db = await databaseFixture(engine());
    await db.run(migrationFiles(INIT));
    expect(await db.run(migrationFiles(INIT))).toMatchObject({ applied: [], alreadyApplied: 3, created: [], passwordsReset: [] });
    const more = migrationFiles({ ...INIT, '11_index.sql': 'CREATE INDEX orders_user ON orders (user_id);' });
    expect(await db.run(more)).toMatchObject({ applied: ['11_index.sql'], alreadyApplied: 3 });
  });

  test('a changed applied file fails the run, names the file, and applies nothing', async () => {
    const db = await databaseFixture(engine());
    await db.run(migrationFiles(INIT));
    const changed = migrationFiles({ ...INIT, '2_orders.sql': INIT['2_orders.sql'].replace('REFERENCES', 'NOT NULL REFERENCES'), '11_new.sql': 'CREATE TABLE later (id int);' });
    const err = await rejection(db.run(changed));
    expect(err.kind).toBe('changed');
    expect(err.file).toBe('2_orders.sql');
    expect(err.message).toMatch(/^2_orders\.sql was changed after it was applied .*put the change in a new migration file\. Nothing was applied\.$/);
    expect(await db.asOwner("SELECT 1 FROM pg_tables WHERE tablename = 'later'")).toEqual([]);
    // Line endings and a BOM are not a change.
    const crlf = migrationFiles(Object.fromEntries(Object.entries(INIT).map(([k, v]) => [k, '\uFEFF' + v.replace(/\n/g, '\r\n')])));
    expect(await db.run(crlf)).toMatchObject({ applied: [] });
  });

  test('a removed applied file, or a new one numbered before the last applied, fails the run', async () => {
    const db = await databaseFixture(engine());
    await db.run(migrationFiles(INIT));
    const { '1_users.sql': _removed, ...rest } = INIT;
    const missing = await rejection(db.run(migrationFiles(rest)));
    expect([missing.kind, missing.file]).toEqual(['missing', '1_users.sql']);
    const early = await rejection(db.run(migrationFiles({ ...INIT, '3_late.sql': 'SELECT 1;' })));
    expect([early.kind, early.file]).toEqual(['order', '3_late.sql']);
    expect(early.message).toContain('give it a number after 10');
  });

  test('applied files numbered after the last file (a newer version\'s, on rollback) are reported, warned of and left', async () => {
    const db = await databaseFixture(engine());
    await db.run(migrationFiles(INIT));
    const events: Array<[string, Record<string, unknown> | undefined, string | undefined]> = [];
    const { '10_order_total.sql': _newer, ...older } = INIT;
    // By number, not by text: '10_…' sorts before '2_…' as text.
    expect(await db.run(migrationFiles(older), { log: (event, fields, level) => events.push([event, fields, level]) }))
      .toMatchObject({ applied: [], alreadyApplied: 2, ahead: ['10_order_total.sql'] });
    expect(events.filter(([event]) => event === 'migration.ahead')).toEqual([
      ['migration.ahead', expect.objectContaining({ files: ['10_order_total.sql'], lastKnown: '2_orders.sql' }), 'warn'],
    ]);
    // A version without migration files knows none: every applied file is a newer version's.
    expect(await db.run([])).toMatchObject({ applied: [], alreadyApplied: 0, ahead: ['1_users.sql', '2_orders.sql', '10_order_total.sql'] });
    expect(await db.asOwner("SELECT column_name FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'total'")).toHaveLength(1);
  });

  test('a failing file is rolled back, later files do not run, and the error names file, line and SQLSTATE', async () => {
    const db = await databaseFixture(engine());
    await db.run(migrationFiles({ '1_users.sql': INIT['1_users.sql'] }));
    const files = migrationFiles({
      '1_users.sql': INIT['1_users.sql'],
      '2_audit.sql': [
        'CREATE TABLE audit (id int);', // applied, then rolled back with the file
        'INSERT INTO audit VALUES (1); -- a comment; with a semicolon',
        '',
        'DO $$ BEGIN PERFORM 1; END $$;',
        'SELECT email,',
        '       no_such_column',
        '  FROM users;',
      ].join('\n'),
      '3_after.sql': 'CREATE TABLE after (id int);',
    });
    const err = await rejection(db.run(files));
    expect(err).toMatchObject({ kind: 'sql', file: '2_audit.sql', line: 6, sqlState: '42703' });
    expect(err.message).toBe('Migration 2_audit.sql failed at line 6: column "no_such_column" does not exist (SQLSTATE 42703). '
      + 'It was rolled back: the database stays at 1_users.sql, and 3_after.sql did not run.');
    expect(await db.asOwner("SELECT tablename FROM pg_tables WHERE tablename IN ('audit', 'after')")).toEqual([]);
    expect(await db.asOwner<{ name: string }>('SELECT name FROM app_migrations.history')).toEqual([{ name: '1_users.sql' }]);
  });

  test('an error without a position (a constraint violation) names the line of its statement', async () => {
    const db = await databaseFixture(engine());
    const err = await rejection(db.run(migrationFiles({
      '1_users.sql': `${INIT['1_users.sql']}\nINSERT INTO users (email) VALUES ('a@example.com');\n\n/* a block\n comment */ INSERT INTO users (email)\nVALUES ('a@example.com');`,
    })));
    expect(err).toMatchObject({ kind: 'sql', file: '1_users.sql', line: 5, sqlState: '23505' });
    expect(err.message).toMatch(/^Migration 1_users\.sql failed at line 5: duplicate key value violates unique constraint "users_email_key" \(SQLSTATE 23505\)\. It was rolled back: the database stays at no migration applied\.$/);
  });

  test('two runs at once: one applies, the other waits for the lock and finds nothing to do', async () => {
    const db = await databaseFixture(engine());
    await db.run([]); // roles first, so that both runs race only for the migrations
    const files = migrationFiles({ ...INIT, '0_slow.sql': 'SELECT pg_sleep(1);' });
    const runs = Promise.all([db.run(files), db.run(files)]);
    // While the first holds the lock, the second's request for it is queued, not granted.
    let waiting = 0;
    for (let i = 0; i < 40 && waiting === 0; i++) {
      await new Promise(r => setTimeout(r, 50));
      waiting = Number((await db.asSuperuser<{ n: string }>("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"))[0].n);
    }
    expect(waiting).toBe(1);
    const results = await runs;
    expect(results.map(r => r.applied.length).sort()).toEqual([0, 4]);
    expect(results.find(r => r.applied.length === 0)).toMatchObject({ alreadyApplied: 4 });
  });

  test('a run that cannot get the lock before its deadline says who holds it', async () => {
    const db = await databaseFixture(engine());
    const slow = db.run(migrationFiles({ '1_slow.sql': 'SELECT pg_sleep(3);' }));
    await new Promise(r => setTimeout(r, 1500));
    const err = await rejection(db.run(migrationFiles({ '1_slow.sql': 'SELECT pg_sleep(3);' }), { deadline: Date.now() + 500 }));
    expect(err.kind).toBe('lock-timeout');
    expect(err.message).toMatch(/^Another migration run kept the lock on schema app until the deadline \(held by backend \d+, 'secure-lambda-postgres-migrations'/);
    await expect(slow).resolves.toMatchObject({ applied: ['1_slow.sql'] });
  });

  test('one schema\'s lock leaves another schema alone: a run on it finishes while the first still holds its own', async () => {
    const db = await databaseFixture(engine());
    const slow = db.run(migrationFiles({ '1_slow.sql': 'SELECT pg_sleep(6);' }));
    await new Promise(r => setTimeout(r, 1500));
    // A deadline the lock of schema app would run out (as in the test above); schema reports has its own.
    const other = await db.run(migrationFiles({ '1_other.sql': 'CREATE TABLE other (id int);' }), { schema: 'reports', deadline: Date.now() + 3000 });
    expect(other).toMatchObject({ applied: ['1_other.sql'] });
    expect(await db.asOwner("SELECT 1 FROM pg_tables WHERE schemaname = 'reports' AND tablename = 'other'")).toHaveLength(1);
    await expect(slow).resolves.toMatchObject({ applied: ['1_slow.sql'] });
  });

  test('a statement that would outlive the deadline is cancelled by the server and rolled back', async () => {
    const db = await databaseFixture(engine());
    const err = await rejection(db.run(migrationFiles({ '1_long.sql': 'CREATE TABLE t (id int);\nSELECT pg_sleep(30);' }), { deadline: Date.now() + 4000 }));
    expect(err).toMatchObject({ kind: 'sql', file: '1_long.sql', line: 2, sqlState: '57014' });
    expect(await db.asOwner("SELECT 1 FROM pg_tables WHERE tablename = 't'")).toEqual([]);
  });

  test('no password appears in any error, even when a login is refused', async () => {
    const db = await databaseFixture(engine());
    const wrongAdmin = { ...db.master, password: 'not-the-master-password' };
    const err = await rejection(migrateDatabase(db.options([], { admin: wrongAdmin })));
    expect(err.message).toBe(`The admin role ${db.master.username} was refused with the password of its secret: check the master secret.`);
    const failing = await rejection(db.run(migrationFiles({ '1_bad.sql': 'CREATE TABLE;' })));
    for (const message of [err.message, failing.message]) {
      expect(findLeaks(message)).toEqual([]);
      expect(message).not.toMatch(/postgres(ql)?:\/\//);
    }
  });
});
