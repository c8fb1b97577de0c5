// The pg pool settings both ORMs use: DATABASE_URL's, with the password asked for on each new
// connection. The entry point sets DATABASE_URL (exportDatabaseUrl) before this module is loaded.
import { PoolConfig } from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
// In your app: from 'secure-lambda-postgres/lib/runtime/database-url'.
import { databasePassword } from '../../../src/runtime/database-url';

/** DATABASE_URL, as every ORM reads it; set by exportDatabaseUrl() before the app is imported. */
export function databaseUrlFromEnv(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error('DATABASE_URL is not set: load this module after exportDatabaseUrl()');
  }
  return url;
}

export function poolConfig(connectionString: string): PoolConfig {
  return {
    ...parseIntoClientConfig(connectionString),
    // The cached secret, re-read after a rotation, or in IAM mode a fresh token (one in the URL
    // expires after 15 minutes). A password left in the URL would win over the callback.
    password: () => databasePassword(),
    // One request at a time per Lambda container: one connection is enough.
    max: 1,
    // Kept between warm invocations, closed before RDS Proxy's 30-minute idle client timeout.
    idleTimeoutMillis: 15 * 60_000,
    // Bounded waits, so that a frozen proxy or a database down behind it ends in a 503 well
    // within the function's timeout (10 s by default) instead of in Lambda's timeout.
    connectionTimeoutMillis: 3000,
    query_timeout: 5000,
  };
}
