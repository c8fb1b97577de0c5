/**
 * The built migration function (assets/migrations/migrate.lambda, what ships) and the built default
 * handler against the roles it creates: real PostgreSQL with TLS, PgBouncer in transaction mode as
 * the stand-in for RDS Proxy, the loopback Secrets Manager, Clerk tokens. Nothing is mocked.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { migrationDir, removeMigrationDirs } from './fixture';
import { failure, FUNCTION_SKIP, MigrationFunctionFixture } from './function-fixture';
import { ENV } from '../../src/contract';
import { Database } from '../../src/runtime/db';
import { SecretCache } from '../../src/runtime/secrets';
import { BUNDLE_PATH, MIGRATION_BUNDLE_PATH } from '../harness/bundle';
import { claimsOf, sessionToken } from '../harness/clerk';
import { newPassword } from '../harness/database';
import { findLeaks, trackSecret } from '../harness/leaks';
import { PgBouncer } from '../harness/pgbouncer';
import { queryAs, RolesEngine } from '../harness/roles';
import { TestStack } from '../harness/stack';
import { BlackHole, sleep } from '../harness/util';

jest.setTimeout(60000);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const SKIP = FUNCTION_SKIP;
const describeEngine = SKIP ? describe.skip : describe;
if (SKIP) console.warn(`SKIPPED migration function tests: ${SKIP}`);

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'migrations');

const fixture = new MigrationFunctionFixture('fn');
const { app, owner, arns } = fixture;
let stack: TestStack;
let engine: RolesEngine;
let database: string;
const migrationEnv = (dir: string, overrides?: Record<string, string | undefined>) => fixture.env(dir, overrides);
const start = (env: Record<string, string>, handler: string) => fixture.start(env, handler);

beforeAll(async () => {
  if (SKIP) return;
  await fixture.setUp();
  ({ stack, engine, database } = fixture);
}, 180000);

afterAll(async () => {
  await fixture.tearDown();
  removeMigrationDirs();
});

describeEngine('on deployment', () => {
  test('creates the roles and applies the files; a second run changes nothing', async () => {
    const fn = await start(migrationEnv(FIXTURES), MIGRATION_BUNDLE_PATH);
    expect(await fn.invoke({})).toMatchObject({ applied: ['0001_notes.sql', '0002_tags.sql'], alreadyApplied: 0, created: [owner.username, app.username] });
    expect(await fn.invoke({})).toMatchObject({ applied: [], alreadyApplied: 2, created: [], passwordsReset: [] });
    expect(fn.logs.filter(l => l.includes('"event":"migration.applied"'))).toHaveLength(2);
    // The function's timeout, on the app role: no handler needs a SET (which pins RDS Proxy sessions).
    expect(await queryAs(engine, database, app, "SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle"))
      .toEqual([{ statement: '10s', idle: '10s' }]);
  });

  test('a failing file fails the invocation with file, line and message, and no trace or secret', async () => {
    const dir = migrationDir({
      '0001_notes.sql': fs.readFileSync(path.join(FIXTURES, '0001_notes.sql'), 'utf8'),
      '0002_tags.sql': fs.readFileSync(path.join(FIXTURES, '0002_tags.sql'), 'utf8'),
      '0003_broken.sql': 'ALTER TABLE notes ADD COLUMN archived boolean;\nUPDATE notes SET archived = flase;\n',
      '0004_never.sql': 'CREATE TABLE never (id int);',
    });
    const fn = await start(migrationEnv(dir), MIGRATION_BUNDLE_PATH);
    const thrown = await failure(fn);
    expect(thrown.name).toBe('MigrationFailed');
    expect(thrown.message).toBe('Migration 0003_broken.sql failed at line 2: column "flase" does not exist (SQLSTATE 42703). '
      + 'It was rolled back: the database stays at 0002_tags.sql, and 0004_never.sql did not run.');
    expect(thrown.stack).toBe('');
    for (const text of [thrown.message, ...fn.logs]) expect(findLeaks(text)).toEqual([]);
    expect(fn.logs.filter(l => l.includes('"event":"migration.failed"'))).toEqual([expect.stringContaining('"file":"0003_broken.sql","line":2')]);
  });

  test('a Secrets Manager endpoint that never answers fails the run in seconds, naming the secret', async () => {
    const hole = await BlackHole.start();
    try {
      const fn = await start(migrationEnv(FIXTURES, { AWS_ENDPOINT_URL_SECRETS_MANAGER: hole.url }), MIGRATION_BUNDLE_PATH);
      const started = Date.now();
      const thrown = await failure(fn);
      // Three attempts of 2.5 s each and the SDK's backoff; without a bound the run would wait for its 10-minute timeout.
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(thrown.message).toMatch(/^Secret arn:aws:secretsmanager:\S+ \(AWS(CURRENT|PENDING)\) could not be read: TimeoutError\.$/);
      expect(hole.connections).toBeGreaterThan(0);
    } finally {
      await hole.stop();
    }
  }, 30_000);

  test('a directory that is not the synthesized set is refused', async () => {
    const fn = await start(migrationEnv(FIXTURES, { [ENV.MIGRATION_SET_CHECKSUM]: '0'.repeat(64) }), MIGRATION_BUNDLE_PATH);
    expect((await failure(fn)).message).toMatch(/^The migration files in .* \(0001_notes\.sql, 0002_tags\.sql\) are not the set the stack was synthesized with: redeploy the stack\.$/);
  });
});

describeEngine('the default handler, as the app role', () => {
  let bouncer: PgBouncer;
  const upstream = { port: 0, database: '', user: app.username, password: app.password };

  beforeAll(async () => {
    const fn = await start(migrationEnv(FIXTURES), MIGRATION_BUNDLE_PATH);
    await fn.invoke({});
    Object.assign(upstream, { port: stack.db.port, database });
    // Closes idle client connections after 1 s, as RDS Proxy does after its idle client timeout.
    bouncer = await PgBouncer.start(upstream, stack.certs, { clientIdleTimeoutSeconds: 1 });
  });
  afterAll(async () => bouncer?.stop());

  const handlerEnv = () => ({ [ENV.DB_HOST]: 'localhost', [ENV.DB_PORT]: String(bouncer.port), [ENV.DB_NAME]: database, [ENV.DB_SECRET_ARN]: arns.app });

  test('answers /me through the pooler, logged in as the app role', async () => {
    const fn = await start(stack.env(handlerEnv()), BUNDLE_PATH);
    const token = trackSecret('session token', sessionToken(stack.key));
    const me = await fn.request('GET', '/me', { Authorization: `Bearer ${token}` });
    expect(me.statusCode).toBe(200);
    expect(me.json.userId).toBe(claimsOf(token).sub);
    const sessions = await stack.db.adminQuery<{ usename: string }>(
      "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' AND usename <> 'postgres'", [database]);
    expect(sessions).toEqual([{ usename: app.username }]);
  });

  test('the runtime helpers connect as the app role: SELECT current_user, DML yes, DDL no', async () => {
    const db = new Database({
      host: 'localhost',
      port: bouncer.port,
      database,
      authMode: 'password',
      secretArn: arns.app,
      ca: stack.certs.caPem,
      secrets: new SecretCache({
        clientFactory: () => new SecretsManagerClient({
          region: 'eu-west-1', endpoint: stack.sm.url, credentials: { accessKeyId: stack.accessKeyId, secretAccessKey: stack.secretAccessKey },
        }),
      }),
    });
    try {
      expect((await db.query('SELECT current_user AS me')).rows).toEqual([{ me: app.username }]);
      expect((await db.query('INSERT INTO notes (user_id, body) VALUES ($1, $2) RETURNING user_id', ['user_1', 'hi'])).rows).toEqual([{ user_id: 'user_1' }]);
      await expect(db.query('CREATE TABLE mine (id int)')).rejects.toThrow('permission denied for schema app');
      await expect(db.query('DROP TABLE notes')).rejects.toThrow('must be owner of table notes');
    } finally {
      await db.end();
    }
  });

  test('recovers when the app password changes in PostgreSQL and then in the secret', async () => {
    const fn = await start(stack.env(handlerEnv()), BUNDLE_PATH);
    expect((await fn.request('GET', '/health')).statusCode).toBe(200);
    const reads = stack.sm.readsOf(arns.app);

    // Single-user rotation: the role changes its own password (no CREATEROLE needed), the proxy
    // picks up the new secret, then the secret's AWSCURRENT moves to it.
    const rotated = trackSecret('rotated app password', newPassword());
    await queryAs(engine, database, app, `ALTER ROLE ${app.username} PASSWORD '${rotated}'`);
    upstream.password = rotated;
    await bouncer.syncPassword();
    stack.sm.put(arns.app, JSON.stringify({ engine: 'postgres', host: 'localhost', port: stack.db.port, dbname: database, username: app.username, password: rotated }));

    // The idle connection is closed by the pooler; the reconnect with the cached password is refused,
    // the handler re-reads the secret and answers within the same request.
    fn.freeze();
    await sleep(2500);
    fn.thaw();
    const res = await fn.request('GET', '/health');
    expect(res.statusCode).toBe(200);
    expect(stack.sm.readsOf(arns.app)).toBe(reads + 1);
    expect(fn.logs.filter(l => l.includes('"event":"db.auth-rejected-retrying"'))).toHaveLength(1);
    for (const line of fn.logs) expect(findLeaks(line)).toEqual([]);
  });
});

