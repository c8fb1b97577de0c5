import { isIP } from 'node:net';
import { Environment, readDbConfig } from './config';
import { appCredentials, DbCredentials, expectNewCredentials } from './credentials';
import { classifyDatabaseError } from './db-errors';
import { Deadline } from './deadline';
import { logger, registerSecretValue, summariseError } from './log';
import { defaultSecretCache, SecretCache } from './secrets';

/** Options of {@link databaseUrl} and its companions. */
export interface DatabaseUrlOptions {
  /** Where the construct's connection contract is read from. @default process.env */
  readonly env?: Environment;
  /** Secret cache to read `{ username, password }` from. @default the container-wide cache */
  readonly secrets?: SecretCache;
  /**
   * A CA bundle file to verify the proxy's certificate with, passed as `sslrootcert` (a client
   * then trusts only it, not its default roots). @default none: the client verifies with the
   * runtime's trust store, as the default handler does: Node's roots, which hold the Amazon roots
   * the proxy's certificate chains to, plus `NODE_EXTRA_CA_CERTS` (the local stack's CA)
   */
  // Lambda's Node.js 20+ runtimes load Node's roots only, unless NODE_EXTRA_CA_CERTS names more
  // (e.g. /var/runtime/ca-cert.pem): https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html#nodejs-certificate-loading
  readonly caFile?: string;
  /** When the secret must have been read by. @default the function's timeout from now */
  readonly deadline?: Deadline;
}

/** Options of {@link exportDatabaseUrl}. */
export interface ExportDatabaseUrlOptions extends DatabaseUrlOptions {
  /** The environment variable to set. @default 'DATABASE_URL' */
  readonly variable?: string;
}

/** The name of the variable ORMs read by default. */
export const DATABASE_URL = 'DATABASE_URL';

/**
 * The app role's connection URL through the proxy, for clients and ORMs that start from one
 * (node-postgres, Drizzle, Kysely, Knex, postgres.js, Prisma's `pg` adapter):
 * `postgresql://user:password@proxy:5432/db?sslmode=verify-full`, user name, password and database
 * percent-encoded. `sslmode=verify-full`: TLS required, the certificate verified against the trust
 * store and the host name checked (node-postgres' `pg-connection-string` reads it so).
 *
 * The password comes from the app secret (read once per container, concurrent calls share the
 * read, and re-read after {@link databaseAuthRejected}); in IAM mode it is an authentication token
 * signed now, which RDS accepts for 15 minutes only: a pool opening connections later must ask
 * again (pass {@link databasePassword} as its password callback).
 *
 * Fails with `DatabaseUnavailableError` reason `secret-unavailable` when the secret cannot be read,
 * and with `ConfigurationError` when the environment lacks the contract.
 */
export async function databaseUrl(options: DatabaseUrlOptions = {}): Promise<string> {
  const { user, password } = await credentials(options);
  const config = readDbConfig(options.env ?? process.env);
  const host = isIP(config.host) === 6 ? `[${config.host}]` : config.host;
  const query = new URLSearchParams({ sslmode: 'verify-full' });
  if (options.caFile) {
    query.set('sslrootcert', options.caFile);
  }
  const url = `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${config.port}/${encodeURIComponent(config.database)}?${query}`;
  // The URL holds the password (encoded): keep it out of every log line too.
  registerSecretValue(url);
  registerSecretValue(encodeURIComponent(password));
  return url;
}

/**
 * The app role's current password: the cached secret's, or a freshly signed IAM token. Meant as a
 * pool's password callback, which node-postgres calls for every new connection:
 * `new Pool({ ...parseIntoClientConfig(url), password: () => databasePassword() })` (a password in
 * the URL would win over the callback, hence the parsed settings).
 */
export async function databasePassword(options: DatabaseUrlOptions = {}): Promise<string> {
  return (await credentials(options)).password;
}

/**
 * Report a failed database call. When the database rejected the login (SQLSTATE 28P01 or 28000,
 * anywhere in the error's `cause` chain, as ORMs wrap driver errors), the app secret is re-read by
 * the next {@link databaseUrl} / {@link databasePassword} — at most once per few seconds, so a
 * secret that lags the database is not read on every request — and the result says whether a
 * retry can present other credentials. Any other error: false, nothing changes.
 */
export function databaseAuthRejected(err: unknown, options: DatabaseUrlOptions = {}): boolean {
  if (!isAuthRejection(err)) {
    return false;
  }
  const config = readDbConfig(options.env ?? process.env);
  const renewed = expectNewCredentials(config, options.secrets ?? defaultSecretCache());
  logger.warn(renewed ? 'db.auth-rejected-rereading' : 'db.auth-rejected', { error: summariseError(err), authMode: config.authMode });
  return renewed;
}

/**
 * Run `work` (one request's database calls) and, when the login is rejected because the password
 * was rotated while this container kept the old one, once more with the re-read secret. `work`
 * must open its connection from {@link databasePassword} (or a fresh {@link databaseUrl}).
 */
export async function withRotationRetry<T>(work: () => Promise<T>, options: DatabaseUrlOptions = {}): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (databaseAuthRejected(err, options)) {
      return work();
    }
    throw err;
  }
}

/**
 * Set `process.env.DATABASE_URL` (or `variable`) to {@link databaseUrl} and return it: await it
 * before loading a module that reads the variable when it is imported. Top-level `await` exists in
 * ES modules only, and a static `import` is evaluated before the importing module's body, so load
 * the app afterwards with a dynamic `import()`, which esbuild bundles inline and evaluates lazily:
 *
 * ```ts
 * const app = exportDatabaseUrl().then(() => import('./app'));
 * export const handler = async (event, context) => (await app).handler(event, context);
 * ```
 */
export async function exportDatabaseUrl(options: ExportDatabaseUrlOptions = {}): Promise<string> {
  const url = await databaseUrl(options);
  process.env[options.variable ?? DATABASE_URL] = url;
  return url;
}

function credentials(options: DatabaseUrlOptions): Promise<DbCredentials> {
  const env = options.env ?? process.env;
  return appCredentials(readDbConfig(env), options.secrets ?? defaultSecretCache(), options.deadline ?? Deadline.forInvocation(), env);
}

function isAuthRejection(err: unknown): boolean {
  let current: unknown = err;
  // ORMs wrap the driver's error (Drizzle's DrizzleQueryError, Prisma's adapter errors) in `cause`.
  for (let depth = 0; depth < 5 && current; depth++) {
    if (classifyDatabaseError(current) === 'auth') {
      return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
