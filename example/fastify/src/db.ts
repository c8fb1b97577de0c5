// Drizzle over node-postgres, configured from DATABASE_URL as most apps already are. handler.ts
// sets the variable (exportDatabaseUrl) before this module is loaded.
import { drizzle } from 'drizzle-orm/node-postgres';
import { Pool } from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
// In your app: import { databasePassword } from 'secure-lambda-postgres/lib/runtime/database-url';
import { databasePassword } from '../../../src/runtime/database-url';

const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error('DATABASE_URL is not set: load this module after exportDatabaseUrl()');
}

const pool = new Pool({
  ...parseIntoClientConfig(url),
  // Asked for each new connection: the cached secret, re-read after a rotation, or in IAM mode a
  // fresh token (one in the URL expires after 15 minutes). A password in the URL would win over it.
  password: () => databasePassword(),
  // One request at a time per Lambda container: one connection is enough.
  max: 1,
  // Kept between warm invocations, closed before RDS Proxy's 30-minute idle client timeout.
  idleTimeoutMillis: 15 * 60_000,
  // Bounded waits, so that a frozen proxy or a database down behind it ends in a 503 well within
  // the function's timeout (10 s by default) instead of in Lambda's timeout.
  connectionTimeoutMillis: 3000,
  query_timeout: 5000,
});
// Without a listener, an idle connection closed by the proxy crashes the container.
pool.on('error', () => undefined);

export const db = drizzle({ client: pool });
