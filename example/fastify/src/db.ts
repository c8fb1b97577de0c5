// Drizzle over node-postgres, configured from DATABASE_URL as most apps already are.
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { Pool } from 'pg';
import { databaseUrlFromEnv, poolConfig } from './db-config';
// In your app: from 'secure-lambda-postgres/lib/runtime/database-url'.
import { withRotationRetry } from '../../../src/runtime/database-url';

const pool = new Pool(poolConfig(databaseUrlFromEnv()));
// Without a listener, an idle connection closed by the proxy crashes the container.
pool.on('error', () => undefined);

export const db = drizzle({ client: pool });

/** SELECT NOW() through the proxy; a password rotated under a warm container is re-read once. */
export async function now(): Promise<string> {
  const { rows } = await withRotationRetry(() => db.execute<{ now: Date }>(sql`SELECT NOW() AS now`));
  return new Date(rows[0].now).toISOString();
}
