import * as path from 'path';
import { inToolOrder, MigrationFilesError } from './files';
import { readTextFile, ToolMigrations, visibleEntries } from './layout';
import { lineIndex } from './statements';

const JOURNAL = path.join('meta', '_journal.json');
const WHAT = "a drizzle-kit migrations folder (the config's `out`, with meta/_journal.json)";

interface JournalEntry {
  readonly idx: number;
  readonly tag: string;
  readonly when: number;
}

/**
 * A drizzle-kit folder: `meta/_journal.json` lists the migrations (`entries[]` with `idx`, `tag`,
 * `when`) in the order they run, each the file `<tag>.sql` beside `meta/`, its statements
 * separated by `--> statement-breakpoint`. Each is recorded as `<tag>.sql`; the tag's number
 * (`0000`, or the timestamp of `migrations.prefix: 'timestamp'`) is its version.
 */
export function readDrizzleMigrations(dir: string): ToolMigrations {
  const entries = visibleEntries(dir, WHAT);
  const journal = readJournal(dir);
  const tags = new Set(journal.map(e => `${e.tag}.sql`));
  const unlisted = entries.filter(e => e.isFile() && e.name.endsWith('.sql') && !tags.has(e.name)).map(e => e.name);
  if (unlisted.length > 0) {
    throw new MigrationFilesError(`${unlisted.map(n => `'${n}'`).join(', ')} in '${dir}' ${unlisted.length === 1 ? 'is' : 'are'} not in ${JOURNAL}, so Drizzle would never run ${unlisted.length === 1 ? 'it' : 'them'}: create migrations with \`drizzle-kit generate\` (\`--custom\` for hand-written SQL), or delete the file.`);
  }
  const sources = new Map<string, string>();
  const read = journal.map(entry => {
    const file = path.join(dir, `${entry.tag}.sql`);
    const sql = readTextFile(file);
    if (sql === undefined) {
      throw new MigrationFilesError(`${JOURNAL} in '${dir}' lists '${entry.tag}' (idx ${entry.idx}), but ${entry.tag}.sql is not there: restore the file from version control, or run \`drizzle-kit drop\` to remove the entry if it was never applied anywhere.`);
    }
    sources.set(`${entry.tag}.sql`, file);
    return { name: `${entry.tag}.sql`, sql };
  });
  try {
    return { files: inToolOrder(read, `${JOURNAL} of '${dir}'`), sources };
  } catch (err) {
    if (!(err instanceof MigrationFilesError)) throw err;
    throw new MigrationFilesError(`${err.message} With drizzle-kit, keep the config's migrations.prefix at 'index' (the default) or 'timestamp', so that every tag starts with its number.`);
  }
}

function readJournal(dir: string): JournalEntry[] {
  const file = path.join(dir, JOURNAL);
  const text = readTextFile(file);
  if (text === undefined) {
    throw new MigrationFilesError(`'${dir}' has no ${JOURNAL}, so it is not ${WHAT}: pass the folder \`drizzle-kit generate\` writes to.`);
  }
  let journal: { dialect?: unknown; entries?: unknown };
  try {
    journal = JSON.parse(text);
  } catch {
    throw new MigrationFilesError(`${file} is not JSON: restore it from version control (drizzle-kit writes it).`);
  }
  if (journal.dialect !== 'postgresql') {
    throw new MigrationFilesError(`${file} says dialect ${JSON.stringify(journal.dialect) ?? 'nothing'}: this database is PostgreSQL. Set dialect: 'postgresql' in drizzle.config and generate the migrations again (a journal of drizzle-kit before 0.21 says "pg": run \`drizzle-kit up\`).`);
  }
  const entries = Array.isArray(journal.entries) ? journal.entries as Partial<JournalEntry>[] : [];
  const bad = entries.find(e => typeof e?.idx !== 'number' || typeof e.tag !== 'string' || !/^[^/\\]+$/.test(e.tag) || typeof e.when !== 'number');
  if (!Array.isArray(journal.entries) || bad) {
    throw new MigrationFilesError(`${file} has ${bad ? `the entry ${JSON.stringify(bad)}, which lacks a number idx, a tag or a number when` : 'no entries list'}: restore it from version control (drizzle-kit writes it).`);
  }
  if (entries.length === 0) {
    throw new MigrationFilesError(`${file} lists no migrations: create one with \`drizzle-kit generate\`, or leave out the migrations prop.`);
  }
  const ordered = [...entries as JournalEntry[]].sort((a, b) => a.idx - b.idx);
  const twice = ordered.find((e, i) => i > 0 && e.idx === ordered[i - 1].idx);
  if (twice) {
    throw new MigrationFilesError(`${file} lists idx ${twice.idx} twice: restore it from version control (drizzle-kit writes it).`);
  }
  return ordered;
}

/**
 * drizzle-kit qualifies what belongs to the default schema with "public" (a foreign key's
 * REFERENCES "public"."users", an enum's CREATE TYPE "public"."role"), and creates the schema of a
 * pgSchema() with a plain CREATE SCHEMA. Here the tables live in the construct's own schema, which
 * exists before migrations run, and the owner role may not create in "public": both would fail
 * at deployment, so they fail at synth, naming the file and line.
 */
export function checkDrizzleSchema(migrations: ToolMigrations, schema: string): void {
  for (const file of migrations.files) {
    const source = migrations.sources.get(file.name) ?? file.name;
    const lineOf = lineIndex(file.sql);
    const publicRef = /"public"\./.exec(file.sql);
    if (publicRef) {
      throw new MigrationFilesError(`${source} line ${lineOf(publicRef.index)} uses schema "public", where the owner role may not create: declare the tables in the schema '${schema}' (databaseSchemaName) with pgSchema('${schema}').table(…) from drizzle-orm/pg-core, and generate the migrations again.`);
    }
    const createSchema = new RegExp(`\\bCREATE\\s+SCHEMA\\s+(?!IF\\s+NOT\\s+EXISTS)"?${schema}"?(?![\\w"])`, 'i').exec(file.sql);
    if (createSchema) {
      throw new MigrationFilesError(`${source} line ${lineOf(createSchema.index)} creates the schema '${schema}', which exists, owned by the owner role, before migrations run: make it CREATE SCHEMA IF NOT EXISTS "${schema}" (drizzle-kit lets you edit generated SQL before it is applied).`);
    }
  }
}
