/**
 * The built migration function (what ships) applying another tool's migrations as the construct
 * stages them: a folder the real drizzle-kit generates and a Prisma Migrate folder, against real
 * PostgreSQL. A failing statement names the tool's file and its line.
 */
import * as fs from 'fs';
import * as path from 'path';
import { drizzleKitGenerate } from './drizzle-kit';
import { failure, FUNCTION_SKIP, MigrationFunctionFixture } from './function-fixture';
import { allowExistingSchema, stagedMigrations, toolFolder, withBrokenDrizzleMigration } from './tools';
import { Migrations } from '../../src';
import { MIGRATION_BUNDLE_PATH } from '../harness/bundle';
import { queryAs } from '../harness/roles';
import { makeTempDir, removeDir } from '../harness/util';

jest.setTimeout(120_000);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const describeEngine = FUNCTION_SKIP ? describe.skip : describe;
if (FUNCTION_SKIP) console.warn(`SKIPPED tool migration tests: ${FUNCTION_SKIP}`);

const PRISMA = path.join(__dirname, '..', 'fixtures', 'prisma', 'migrations');
let root: string;

/** One database per tool: each history is a schema's own. */
const drizzle = new MigrationFunctionFixture('dz');
const prisma = new MigrationFunctionFixture('pr');

beforeAll(async () => {
  root = makeTempDir('tools-function');
  if (FUNCTION_SKIP) return;
  await drizzle.setUp();
  await prisma.setUp();
}, 240_000);
afterAll(async () => {
  await drizzle.tearDown();
  await prisma.tearDown();
  removeDir(root);
});

/** Apply these migrations as the deployment would: synthesize, then run the function on the layer's asset. */
async function deploy(f: MigrationFunctionFixture, migrations: Migrations) {
  const fn = await f.start(f.env(stagedMigrations(root, migrations)), MIGRATION_BUNDLE_PATH);
  return { fn, result: () => fn.invoke({}) };
}

const tablesOf = async (f: MigrationFunctionFixture) => (await queryAs(f.engine, f.database, f.owner,
  "SELECT table_name FROM information_schema.tables WHERE table_schema = 'app' ORDER BY 1")).map(r => r.table_name);

const appendLine = (file: string, line: string): number => {
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, `${text}${text.endsWith('\n') ? '' : '\n'}${line}\n`);
  return text.split('\n').length + (text.endsWith('\n') ? 0 : 1);
};

describeEngine('a drizzle-kit folder', () => {
  let generated: string;
  beforeAll(() => {
    generated = path.join(root, 'drizzle');
    drizzleKitGenerate(generated, [{ schema: 'schema-1.ts', name: 'init' }, { schema: 'schema-2.ts', name: 'roles' }]);
    allowExistingSchema(generated);
  });

  test('is applied in journal order, one transaction each, recorded under its tags with the checksum of its text', async () => {
    const { result } = await deploy(drizzle, Migrations.fromDrizzle(generated));
    expect(await result()).toMatchObject({ applied: ['0000_init.sql', '0001_roles.sql'], alreadyApplied: 0 });
    expect(await tablesOf(drizzle)).toEqual(['posts', 'users']);
    const history = await queryAs(drizzle.engine, drizzle.database, drizzle.owner, 'SELECT name FROM app_migrations.history ORDER BY name');
    expect(history.map(r => r.name)).toEqual(['0000_init.sql', '0001_roles.sql']);
    // The app role got DML on what drizzle-kit's SQL created, enum column included.
    await queryAs(drizzle.engine, drizzle.database, drizzle.app, "INSERT INTO users (email, role) VALUES ('a@example.com', 'writer')");
  });

  test('a failing statement names the file and its line in the file; an edited applied file is caught', async () => {
    const broken = withBrokenDrizzleMigration(root, generated);
    const thrown = await failure((await deploy(drizzle, Migrations.fromDrizzle(broken))).fn);
    // PostgreSQL may add a hint (a column of a similar name) before what the runner says.
    expect(thrown.message).toMatch(/^Migration 0002_broken\.sql failed at line 2: column "nope" does not exist \(SQLSTATE 42703\)\. (Hint: .*\. )?It was rolled back: the database stays at 0001_roles\.sql\.$/);

    const edited = toolFolder(root, generated, dir => appendLine(path.join(dir, '0001_roles.sql'), '-- edited after it was applied'));
    expect((await failure((await deploy(drizzle, Migrations.fromDrizzle(edited))).fn)).message).toMatch(/^0001_roles\.sql was changed after it was applied/);
  });
});

describeEngine('a Prisma folder', () => {
  test('is applied in folder order, recorded as <folder>.sql; a second run applies nothing', async () => {
    const { result } = await deploy(prisma, Migrations.fromPrisma(PRISMA));
    expect(await result()).toMatchObject({ applied: ['20240115093000_init.sql', '20240220120000_add_posts.sql'], alreadyApplied: 0 });
    expect(await result()).toMatchObject({ applied: [], alreadyApplied: 2 });
    expect(await tablesOf(prisma)).toEqual(['Post', 'User']);
  });

  test('a failing statement names the migration and the line of its migration.sql', async () => {
    let line = 0;
    const dir = toolFolder(root, PRISMA, d => {
      fs.mkdirSync(path.join(d, '20240301000000_broken'));
      const file = path.join(d, '20240301000000_broken', 'migration.sql');
      fs.writeFileSync(file, '-- AlterTable\nALTER TABLE "Post" ADD COLUMN "slug" TEXT;\n');
      line = appendLine(file, 'UPDATE "Post" SET "slug" = "nope";');
    });
    const thrown = await failure((await deploy(prisma, Migrations.fromPrisma(dir))).fn);
    expect(line).toBe(3);
    expect(thrown.message).toBe(`Migration 20240301000000_broken.sql failed at line ${line}: column "nope" does not exist (SQLSTATE 42703). It was rolled back: the database stays at 20240220120000_add_posts.sql.`);
  });
});
