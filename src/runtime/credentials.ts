import { DbConfig, Environment } from './config';
import { DatabaseUnavailableError } from './db-errors';
import { Deadline } from './deadline';
import { signRdsIamToken } from './iam-token';
import { logger, summariseError } from './log';
import { SecretCache, SecretUnavailableError } from './secrets';
import { credentialsFromEnv } from './sigv4';

/** A database login: the app role and its password (or IAM token). */
export interface DbCredentials {
  readonly user: string;
  readonly password: string;
}

/**
 * The app role's login: the `{ username, password }` secret through `secrets` (read once, then
 * cached), or in IAM mode a token signed now (valid for 15 minutes, so never cached). Fails with
 * `DatabaseUnavailableError` reason `secret-unavailable`, logged without the secret. IAM tokens are
 * signed with the credentials in `env` (the execution role's, which Lambda sets).
 */
export async function appCredentials(config: DbConfig, secrets: SecretCache, deadline: Deadline,
  env: Environment = process.env): Promise<DbCredentials> {
  if (config.authMode === 'iam') {
    if (!config.user) {
      throw new DatabaseUnavailableError('secret-unavailable', 'MissingUser');
    }
    const credentials = credentialsFromEnv(undefined, env);
    return { user: config.user, password: signRdsIamToken({ hostname: config.host, port: config.port, username: config.user, region: config.region ?? '', credentials }) };
  }
  try {
    if (!config.secretArn) {
      throw new SecretUnavailableError('no database secret configured', 'MissingSecretArn');
    }
    const secret = await secrets.getJson(config.secretArn, deadline);
    const user = typeof secret.username === 'string' ? secret.username : config.user;
    const password = secret.password;
    if (typeof password !== 'string' || password === '') {
      throw new SecretUnavailableError('database secret has no password', 'MalformedSecret');
    }
    if (!user) {
      throw new SecretUnavailableError('database secret has no username', 'MissingUser');
    }
    return { user, password };
  } catch (err) {
    const summary = summariseError(err);
    logger.error('db.secret-unavailable', { error: summary });
    throw new DatabaseUnavailableError('secret-unavailable', summary.code);
  }
}

/**
 * After the database rejected a login: whether the next attempt can present other credentials.
 * In IAM mode always (every attempt signs a new token); in password mode when the secret is
 * re-read, at most once per `SecretCache` refresh interval (see `SecretCache.markRejected`).
 */
export function expectNewCredentials(config: DbConfig, secrets: SecretCache): boolean {
  if (config.authMode === 'iam') {
    return true;
  }
  return config.secretArn !== undefined && secrets.markRejected(config.secretArn);
}
