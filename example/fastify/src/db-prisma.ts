// The Prisma variant of db.ts: Prisma 7's generated client (no engine binary) over the same pg
// pool settings, through @prisma/adapter-pg.
import { PrismaPg } from '@prisma/adapter-pg';
import { databaseUrlFromEnv, poolConfig } from './db-config';
// In your app: from 'secure-lambda-postgres/lib/runtime/database-url'.
import { withRotationRetry } from '../../../src/runtime/database-url';
import { PrismaClient } from '../generated/prisma/client';

// The adapter builds its pool from these settings and handles its errors.
export const prisma = new PrismaClient({ adapter: new PrismaPg(poolConfig(databaseUrlFromEnv())) });

/** SELECT NOW() through the proxy; a password rotated under a warm container is re-read once. */
export async function now(): Promise<string> {
  const rows = await withRotationRetry(() => prisma.$queryRaw<Array<{ now: Date }>>`SELECT NOW() AS now`);
  return new Date(rows[0].now).toISOString();
}
