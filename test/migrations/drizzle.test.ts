/**
 * Migrations.fromDrizzle on folders the real drizzle-kit generates (in a temp dir, offline, from
 * the schema files in test/fixtures/drizzle), as the construct reads them at synth and as the
 * local stack and the migration function read the asset the assembly holds.
 */
import * as fs from 'fs';
import * as path from 'path';
import { drizzleKitGenerate } from './drizzle-kit';
import { allowExistingSchema, stagedMigrations, toolFolder } from './tools';
import { Migrations } from '../../src';
import { checksumOf, readMigrationDirectory } from '../../src/migrations/files';
import { makeTempDir, removeDir } from '../harness/util';

jest.setTimeout(120_000);

let root: string;
let generated: string;
let publicSchema: string;

beforeAll(() => {
  root = makeTempDir('drizzle');
  generated = path.join(root, 'drizzle');
  drizzleKitGenerate(generated, [{ schema: 'schema-1.ts', name: 'init' }, { schema: 'schema-2.ts', name: 'roles' }]);
  publicSchema = path.join(root, 'public');
  drizzleKitGenerate(publicSchema, [{ schema: 'schema-public.ts', name: 'init' }]);
});
afterAll(() => removeDir(root));

/** The generated folder, with the one edit the synth error asks for (see the tests below). */
const editedCopy = (edit: (dir: string) => void = () => undefined): string => toolFolder(root, generated, dir => {
  allowExistingSchema(dir);
  edit(dir);
});

test("the journal's migrations, in its order, under their tags; the asset holds drizzle-kit's text unchanged", () => {
  const dir = editedCopy();
  const migrations = Migrations.fromDrizzle(dir);
  expect(migrations.fileNames).toEqual(['0000_init.sql', '0001_roles.sql']);
  const staged = readMigrationDirectory(stagedMigrations(root, migrations), false);
  expect(staged.map(f => [f.name, f.version])).toEqual([['0000_init.sql', 0n], ['0001_roles.sql', 1n]]);
  for (const f of staged) {
    const original = fs.readFileSync(path.join(dir, f.name), 'utf8');
    expect(f.sql).toBe(original);
    expect(f.checksum).toBe(checksumOf(original));
  }
});

test('drizzle-kit\'s CREATE SCHEMA of the construct\'s schema fails at synth, naming file and line; IF NOT EXISTS passes', () => {
  const migrations = Migrations.fromDrizzle(toolFolder(root, generated));
  expect(() => stagedMigrations(root, migrations)).toThrow(
    /^Migrations\.fromDrizzle: .*0000_init\.sql line 1 creates the schema 'app', which exists, owned by the owner role, before migrations run: make it CREATE SCHEMA IF NOT EXISTS "app"/);
  expect(() => stagedMigrations(root, Migrations.fromDrizzle(editedCopy()))).not.toThrow();
});

test('tables of drizzle\'s default schema fail at synth: drizzle-kit references them as "public"', () => {
  const sql = fs.readFileSync(path.join(publicSchema, '0000_init.sql'), 'utf8');
  const line = sql.slice(0, sql.indexOf('"public".')).split('\n').length;
  expect(line).toBeGreaterThan(1);
  expect(() => stagedMigrations(root, Migrations.fromDrizzle(publicSchema))).toThrow(
    new RegExp(`0000_init\\.sql line ${line} uses schema "public", where the owner role may not create: declare the tables in the schema 'app' \\(databaseSchemaName\\) with pgSchema\\('app'\\)`));
});

const journalOf = (dir: string) => path.join(dir, 'meta', '_journal.json');
const editJournal = (dir: string, edit: (j: any) => void) => {
  const journal = JSON.parse(fs.readFileSync(journalOf(dir), 'utf8'));
  edit(journal);
  fs.writeFileSync(journalOf(dir), JSON.stringify(journal));
};

test.each<[string, (dir: string) => void, RegExp]>([
  ['no journal', dir => fs.rmSync(journalOf(dir)),
    /has no meta\/_journal\.json, so it is not a drizzle-kit migrations folder .*: pass the folder `drizzle-kit generate` writes to\./],
  ['another dialect', dir => editJournal(dir, j => { j.dialect = 'mysql'; }),
    /_journal\.json says dialect "mysql": this database is PostgreSQL\. Set dialect: 'postgresql' in drizzle\.config and generate the migrations again/],
  ['a journal entry without its file', dir => fs.rmSync(path.join(dir, '0001_roles.sql')),
    /lists '0001_roles' \(idx 1\), but 0001_roles\.sql is not there: restore the file from version control, or run `drizzle-kit drop`/],
  ['a .sql file the journal does not list', dir => fs.writeFileSync(path.join(dir, '0002_stray.sql'), 'SELECT 1;'),
    /'0002_stray\.sql' in '.*' is not in meta\/_journal\.json, so Drizzle would never run it: create migrations with `drizzle-kit generate`/],
  ['an entry without a tag', dir => editJournal(dir, j => { delete j.entries[1].tag; }),
    /has the entry \{"idx":1,.*\}, which lacks a number idx, a tag or a number when: restore it from version control/],
  ['tags without a number (migrations.prefix: none)', dir => {
    editJournal(dir, j => { j.entries[1].tag = 'roles'; });
    fs.renameSync(path.join(dir, '0001_roles.sql'), path.join(dir, 'roles.sql'));
  }, /'roles\.sql' is not a migration file name\..* keep the config's migrations\.prefix at 'index' \(the default\) or 'timestamp'/],
  ['a journal whose order is not the tags\' numbers', dir => editJournal(dir, j => { j.entries[0].idx = 5; }),
    /'0001_roles\.sql' runs at position 1 in meta\/_journal\.json of '.*', but its number 1 sorts it elsewhere/],
])('fails at synth with %s, saying what to do', (_what, edit, message) => {
  expect(() => Migrations.fromDrizzle(editedCopy(edit))).toThrow(message);
});
