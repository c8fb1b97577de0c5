import * as path from 'path';
import { inToolOrder, MigrationFilesError } from './files';
import { readTextFile, ToolMigrations, visibleEntries } from './layout';

const LOCK_FILE = 'migration_lock.toml';
const WHAT = 'a Prisma migrations folder (prisma/migrations, with migration_lock.toml and a <timestamp>_<name>/migration.sql per migration)';

/**
 * A Prisma Migrate folder: `migration_lock.toml` (provider `postgresql`) and one folder per
 * migration, `<timestamp>_<name>/migration.sql`, run in the order of the folder names (see
 * https://www.prisma.io/docs/orm/prisma-migrate/understanding-prisma-migrate/migration-histories).
 * Each is recorded as `<folder>.sql`; the folder's number (the timestamp, or `0` of a baseline
 * `0_init`) is its version.
 */
export function readPrismaMigrations(dir: string): ToolMigrations {
  const entries = visibleEntries(dir, WHAT);
  checkLockFile(dir);
  const strays = entries.filter(e => !e.isDirectory() && e.name !== LOCK_FILE);
  if (strays.length > 0) {
    throw new MigrationFilesError(`The Prisma migrations folder '${dir}' holds ${strays.map(e => `'${e.name}'`).join(', ')}, which Prisma Migrate does not read: move it out (each migration is a folder <timestamp>_<name> with a migration.sql).`);
  }
  // Prisma applies the folders in the order of their names.
  const folders = entries.filter(e => e.isDirectory()).map(e => e.name).sort();
  if (folders.length === 0) {
    throw new MigrationFilesError(`The Prisma migrations folder '${dir}' has no migrations: create one with \`prisma migrate dev\`, or leave out the migrations prop.`);
  }
  const sources = new Map<string, string>();
  const read = folders.map(folder => {
    const file = path.join(dir, folder, 'migration.sql');
    const sql = readTextFile(file);
    if (sql === undefined) {
      throw new MigrationFilesError(`The Prisma migration folder '${path.join(dir, folder)}' has no migration.sql: restore it, or delete the folder if the migration was never applied anywhere.`);
    }
    if (!/^\d+_[A-Za-z0-9_.-]*$/.test(folder)) {
      throw new MigrationFilesError(`'${folder}' in '${dir}' is not a Prisma migration folder name: Prisma names them <timestamp>_<name> (for example 20240115093000_init); rename it before it is first deployed.`);
    }
    sources.set(`${folder}.sql`, file);
    return { name: `${folder}.sql`, sql };
  });
  return { files: inToolOrder(read, `the Prisma folder '${dir}' (folder-name order)`), sources };
}

function checkLockFile(dir: string): void {
  const lock = readTextFile(path.join(dir, LOCK_FILE));
  if (lock === undefined) {
    throw new MigrationFilesError(`'${dir}' has no ${LOCK_FILE}, so it is not ${WHAT}: pass the folder Prisma Migrate writes (prisma/migrations by default).`);
  }
  const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(lock)?.[1];
  if (provider !== 'postgresql') {
    throw new MigrationFilesError(`${path.join(dir, LOCK_FILE)} says provider = ${provider === undefined ? 'nothing' : `"${provider}"`}: these migrations are written for ${provider ?? 'an unknown database'}, and this database is PostgreSQL. Set provider = "postgresql" in the datasource of schema.prisma and create the migrations again with \`prisma migrate dev\`.`);
  }
}
