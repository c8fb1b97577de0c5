import * as fs from 'fs';
import { MigrationFile, MigrationFilesError } from './files';

/**
 * Migration files read from another tool's layout: each under the name it is recorded by in the
 * history table, with the path it was read from (what an error at synth names).
 */
export interface ToolMigrations {
  readonly files: MigrationFile[];
  /** The file each migration was read from, by name. */
  readonly sources: ReadonlyMap<string, string>;
}

/** The entries of a directory that are not dotfiles, or an error saying what to pass instead. */
export function visibleEntries(dir: string, what: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter(e => !e.name.startsWith('.'));
  } catch (err) {
    throw new MigrationFilesError(`Cannot read the directory '${dir}' (${(err as NodeJS.ErrnoException).code ?? 'error'}): pass the path of ${what}.`);
  }
}

/** A text file's contents, or undefined when there is no such file. */
export function readTextFile(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new MigrationFilesError(`Cannot read '${file}' (${code ?? 'error'}).`);
  }
}
