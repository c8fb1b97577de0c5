/**
 * The database half both baselines share, written the usual way: the Secrets Manager client
 * created at module load, the password read on first use, one pg pool of one connection.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Pool } from 'pg';

const env = process.env;
const secrets = new SecretsManagerClient({});
let pool: Promise<Pool> | undefined;

async function connect(): Promise<Pool> {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: env.DB_SECRET_ARN }));
  const { username, password } = JSON.parse(out.SecretString ?? '{}') as { username: string; password: string };
  const p = new Pool({
    host: env.DB_HOST,
    port: Number(env.DB_PORT),
    database: env.DB_NAME,
    user: username,
    password,
    ssl: { rejectUnauthorized: true },
    max: 1,
    idleTimeoutMillis: 15 * 60 * 1000,
  });
  p.on('error', () => undefined);
  return p;
}

/** `SELECT NOW()` as an ISO string. */
export async function now(): Promise<string> {
  pool ??= connect();
  try {
    const { rows } = await (await pool).query<{ now: Date }>('SELECT NOW() AS now');
    return rows[0].now.toISOString();
  } catch (err) {
    pool = undefined;
    throw err;
  }
}
