/**
 * The built migration function of one version run against a database a newer version migrated: what
 * CloudFormation does when it rolls an update back (it sends the migration trigger an update back to
 * the old properties, aws/aws-cdk#29581). Real PostgreSQL with TLS, the loopback Secrets Manager.
 */
import { migrationDir, removeMigrationDirs } from './fixture';
import { failure, functionDatabase } from './function-env';
import { MIGRATION_BUNDLE_PATH, ensureBundle } from '../harness/bundle';
import { LambdaProcess } from '../harness/lambda';
import { queryAs, RolesEngine, rolesEngineOn } from '../harness/roles';
import { TestStack } from '../harness/stack';

jest.setTimeout(60000);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';


// Numbers whose text sorts otherwise ('10_…' < '1_…' < '9_…'): the order is the number's, as the runner applies them.
const OLD = {
  '1_notes.sql': 'CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL);\n',
  '9_tags.sql': 'CREATE TABLE tags (id serial PRIMARY KEY, note_id bigint NOT NULL REFERENCES notes (id), name text NOT NULL);\n',
};
const NEW = { ...OLD, '10_archive.sql': 'ALTER TABLE notes ADD COLUMN archived boolean NOT NULL DEFAULT false;\n' };

let stack: TestStack;
let engine: RolesEngine;
let count = 0;
const lambdas: LambdaProcess[] = [];

beforeAll(async () => {
  ensureBundle();
  stack = await TestStack.start();
  engine = rolesEngineOn(stack.db, stack.certs);
}, 180000);

afterAll(async () => {
  await Promise.all(lambdas.map(l => l.stop()));
  await stack?.destroy();
  removeMigrationDirs();
});

/** A fresh database where NEW was deployed over OLD, and a way to deploy any version's files on it. */
async function deployedNew() {
  const db = await functionDatabase(stack, engine, `rollback${++count}`);
  const deploy = async (files: Record<string, string>) => {
    const fn = await LambdaProcess.start(db.env(migrationDir(files)), MIGRATION_BUNDLE_PATH);
    lambdas.push(fn);
    return fn;
  };
  await (await deploy(OLD)).invoke({});
  await (await deploy(NEW)).invoke({});
  const asOwner = (sql: string) => queryAs(engine, db.database, db.owner, sql);
  return { deploy, asOwner };
}

describe('the old version against a database a newer one migrated', () => {
  test('the rollback succeeds: it warns, names the newer files, applies nothing and drops nothing', async () => {
    const { deploy, asOwner } = await deployedNew();
    await asOwner("INSERT INTO app.notes (body, archived) VALUES ('kept', true)");
    const old = await deploy(OLD);
    expect(await old.invoke({})).toMatchObject({ applied: [], alreadyApplied: 2, ahead: ['10_archive.sql'] });
    const warnings = old.logs.filter(l => l.includes('"event":"migration.ahead"'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0])).toMatchObject({ level: 'warn', files: ['10_archive.sql'], lastKnown: '9_tags.sql' });
    expect(await asOwner('SELECT body, archived FROM app.notes')).toEqual([{ body: 'kept', archived: true }]);
    // Rolling forward again finds everything applied.
    expect(await (await deploy(NEW)).invoke({})).toMatchObject({ applied: [], alreadyApplied: 3, ahead: [] });
  });

  test('an unknown applied file that sorts among the function\'s own still fails, and nothing is applied', async () => {
    const { deploy, asOwner } = await deployedNew();
    const { '9_tags.sql': _tags, ...withoutTags } = NEW;
    for (const files of [{ ...OLD, '11_other.sql': 'CREATE TABLE other (id int);' }, { ...withoutTags, '11_other.sql': 'CREATE TABLE other (id int);' }]) {
      const thrown = await failure(await deploy(files));
      expect(thrown.message).toMatch(/^(10_archive|9_tags)\.sql was applied but is no longer among the migration files: restore it\./);
    }
    expect(await asOwner("SELECT 1 FROM pg_tables WHERE tablename = 'other'")).toEqual([]);
  });

  test('an edited applied file still fails when newer files are ahead', async () => {
    const { deploy } = await deployedNew();
    const thrown = await failure(await deploy({ ...OLD, '9_tags.sql': OLD['9_tags.sql'].replace('NOT NULL);', 'NOT NULL UNIQUE);') }));
    expect(thrown.message).toMatch(/^9_tags\.sql was changed after it was applied/);
  });

  test('a new file of the old version that sorts before a newer applied one fails as out of order', async () => {
    const { deploy, asOwner } = await deployedNew();
    const late = await deploy({ ...NEW, '20_late.sql': 'CREATE TABLE late (id int);' });
    expect(await late.invoke({})).toMatchObject({ applied: ['20_late.sql'] });
    const thrown = await failure(await deploy({ ...NEW, '12_between.sql': 'CREATE TABLE between_ (id int);' }));
    expect(thrown.message).toMatch(/^12_between\.sql is new but sorts before 20_late\.sql, which is already applied/);
    expect(await asOwner("SELECT 1 FROM pg_tables WHERE tablename = 'between_'")).toEqual([]);
  });
});
