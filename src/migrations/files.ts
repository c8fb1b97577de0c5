import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** One migration file: its name (the key in the history table), SQL text and checksum. */
export interface MigrationFile {
  /** File name, e.g. `0001_create_users.sql`. */
  readonly name: string;
  /** The numeric prefix that orders the files. */
  readonly version: bigint;
  readonly sql: string;
  /** SHA-256 of the text with line endings normalised, hex. */
  readonly checksum: string;
}

/** A migrations directory that cannot be used; the message says what to do. */
export class MigrationFilesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationFilesError';
  }
}

const FILE_NAME = /^(\d+)([_.-][A-Za-z0-9_.-]*)?\.sql$/;
const NAMING = 'Name each file <number>_<description>.sql (for example 0001_create_users.sql); files run in the order of their numbers.';

/**
 * The checksum recorded for an applied file: a BOM and CRLF line endings do not count, so a
 * checkout on another platform is the same migration.
 */
export function checksumOf(sql: string): string {
  return createHash('sha256').update(normalise(sql)).digest('hex');
}

function normalise(sql: string): string {
  return sql.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

/** The number a migration file name starts with, or `undefined` when it is no migration file name. */
export function versionOf(name: string): bigint | undefined {
  const match = FILE_NAME.exec(name);
  return match ? BigInt(match[1]) : undefined;
}

/** Order file names by their numeric prefix, rejecting names without one and duplicate numbers. */
export function orderMigrationNames(names: readonly string[]): Array<{ name: string; version: bigint }> {
  const parsed = names.map(name => {
    const version = versionOf(name);
    if (version === undefined) {
      throw new MigrationFilesError(`'${name}' is not a migration file name. ${NAMING}`);
    }
    return { name, version };
  });
  parsed.sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
  for (let i = 1; i < parsed.length; i++) {
    if (parsed[i].version === parsed[i - 1].version) {
      throw new MigrationFilesError(`'${parsed[i - 1].name}' and '${parsed[i].name}' share the number ${parsed[i].version}: give each migration its own number. ${NAMING}`);
    }
  }
  return parsed;
}

/**
 * Read and order the `.sql` files of a directory. `strict` (synth time) rejects anything else in
 * it except dotfiles (`.gitkeep`); otherwise (the function reading its layer) other entries are
 * skipped.
 */
export function readMigrationDirectory(dir: string, strict: boolean): MigrationFile[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    throw new MigrationFilesError(`Cannot read the migrations directory '${dir}' (${(err as NodeJS.ErrnoException).code ?? 'error'}): pass the path of a directory of .sql files.`);
  }
  const visible = entries.filter(e => !e.name.startsWith('.'));
  const others = visible.filter(e => !e.isFile() || !e.name.endsWith('.sql'));
  if (strict && others.length > 0) {
    const what = others.map(e => `'${e.name}'${e.isDirectory() ? ' (a directory)' : ''}`).join(', ');
    throw new MigrationFilesError(`The migrations directory '${dir}' holds ${what}, which is not a .sql file: keep only migration files there (nested directories are not read). ${NAMING}`);
  }
  const names = visible.filter(e => e.isFile() && e.name.endsWith('.sql')).map(e => e.name);
  if (strict && names.length === 0) {
    throw new MigrationFilesError(`The migrations directory '${dir}' has no .sql files: add one (${NAMING}), or leave out the migrations prop.`);
  }
  return orderMigrationNames(names).map(({ name, version }) => {
    const sql = fs.readFileSync(path.join(dir, name), 'utf8');
    return { name, version, sql, checksum: checksumOf(sql) };
  });
}

/**
 * Migration files in the order another tool runs them (Prisma's folders, Drizzle's journal),
 * under the names they are recorded by. Their numbers must sort the same way: the runner orders
 * and checks files by number.
 */
export function inToolOrder(entries: ReadonlyArray<{ name: string; sql: string }>, order: string): MigrationFile[] {
  const byNumber = orderMigrationNames(entries.map(e => e.name));
  entries.forEach((entry, i) => {
    if (byNumber[i].name !== entry.name) {
      const other = byNumber.find(p => p.name === entry.name)!;
      throw new MigrationFilesError(`'${entry.name}' runs at position ${i + 1} in ${order}, but its number ${other.version} sorts it elsewhere: give the migrations numbers that increase in the order they run.`);
    }
  });
  return entries.map((e, i) => ({ name: e.name, version: byNumber[i].version, sql: e.sql, checksum: checksumOf(e.sql) }));
}

/** One checksum over the ordered set (names and contents): changes whenever any file does. */
export function checksumOfSet(files: readonly MigrationFile[]): string {
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f.name}\0${f.checksum}\0`);
  return hash.digest('hex');
}
