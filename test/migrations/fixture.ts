import * as fs from 'fs';
import * as path from 'path';
import { MigrationFile, readMigrationDirectory } from '../../src/migrations/files';
import { AppLogin, migrateDatabase, MigrateDatabaseOptions, RoleLogin } from '../../src/migrations/migrate';
import { newPassword } from '../harness/database';
import { trackSecret } from '../harness/leaks';
import { queryAs, rdsLikeDatabase, RolesEngine, startRolesEngine } from '../harness/roles';
import { makeTempDir, removeDir } from '../harness/util';

const dirs: string[] = [];

/** A server for this test file, started before its tests and stopped after them (with the migration directories). */
export function useRolesEngine(): { engine: () => RolesEngine } {
  let engine: RolesEngine | undefined;
  beforeAll(async () => {
    engine = await startRolesEngine();
  }, 120000);
  afterAll(async () => {
    await engine?.destroy();
    removeMigrationDirs();
  });
  return { engine: () => engine! };
}

/** A fresh directory holding these files (removed by {@link removeMigrationDirs}). */
export function migrationDir(files: Record<string, string>): string {
  const dir = makeTempDir('migrations');
  dirs.push(dir);
  for (const [name, sql] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), sql);
  return dir;
}

/** Migration files written to a fresh directory and read back the way the function reads them. */
export function migrationFiles(files: Record<string, string>): MigrationFile[] {
  return readMigrationDirectory(migrationDir(files), Object.keys(files).length > 0);
}

export function removeMigrationDirs(): void {
  for (const dir of dirs.splice(0)) removeDir(dir);
}

let count = 0;

/** A fresh RDS-like database with its own master, owner and app role names, and ways to act in it. */
export async function databaseFixture(engine: RolesEngine, appAuthentication: 'password' | 'iam' = 'password') {
  const name = `mig${process.pid % 10000}_${++count}`;
  const { database, master } = await rdsLikeDatabase(engine, name);
  const owner: RoleLogin = { username: `${name}_owner`, password: trackSecret('owner password', newPassword()) };
  let app: AppLogin = appAuthentication === 'iam'
    ? { username: `${name}_app`, authentication: 'iam' }
    : { username: `${name}_app`, authentication: 'password', password: trackSecret('app password', newPassword()) };
  const appPassword = () => ({ username: app.username, password: app.password! });
  return {
    database,
    master,
    owner,
    get app() {
      return app;
    },
    set app(value: AppLogin) {
      app = value;
    },
    options: (files: MigrationFile[], extra: Partial<MigrateDatabaseOptions> = {}): MigrateDatabaseOptions =>
      ({ target: engine.target(database), admin: master, owner, app, schema: 'app', files, ...extra }),
    run: (files: MigrationFile[], extra: Partial<MigrateDatabaseOptions> = {}) =>
      migrateDatabase({ target: engine.target(database), admin: master, owner, app, schema: 'app', files, ...extra }),
    asApp: <R = Record<string, unknown>>(sql: string, params?: unknown[]) => queryAs<R>(engine, database, appPassword(), sql, params),
    asOwner: <R = Record<string, unknown>>(sql: string, params?: unknown[]) => queryAs<R>(engine, database, owner, sql, params),
    asSuperuser: async <R = Record<string, unknown>>(sql: string, params?: unknown[]) => {
      const su = await engine.superuser(database);
      try {
        return (await su.query(sql, params)).rows as R[];
      } finally {
        await su.end();
      }
    },
  };
}
