// The migration runner, for whatever runs it besides the deploy-time function (the local stack):
// `migrateDatabase` with the files `readMigrationDirectory` reads. Not part of the jsii API.
export { migrateDatabase } from './migrate';
export { setPassword } from './bootstrap';
export { appRoleSettingsFrom } from './role-settings';
export type { AppRoleSettings } from './role-settings';
export type { AppLogin, DatabaseTarget, MigrateDatabaseOptions, MigrateDatabaseResult, RoleLogin } from './migrate';
export { readMigrationDirectory, checksumOfSet, MigrationFilesError } from './files';
export type { MigrationFile } from './files';
export { MigrationError } from './errors';
export type { MigrationErrorKind } from './errors';
export { historySchemaOf } from './runner';
export type { MigrationLog } from './runner';
