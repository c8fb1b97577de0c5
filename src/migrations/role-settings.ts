import { ENV } from '../contract';

/**
 * Settings the app role carries in the application database, so that they hold in every session
 * without a `SET` (which pins an RDS Proxy session to its database connection for good:
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-pinning.html), locally and in
 * AWS alike. Both are the function's timeout (see `appRoleTimeouts` in the construct): once the
 * function has timed out, no one waits for the statement it started or the transaction it left
 * open, which would otherwise keep the server connection busy, and its locks held.
 */
export interface AppRoleSettings {
  /** `statement_timeout`, ms (0: none). */
  readonly statementTimeoutMs: number;
  /** `idle_in_transaction_session_timeout`, ms (0: none). */
  readonly idleInTransactionSessionTimeoutMs: number;
}

/** The settings from the migration function's environment, or undefined when it names none. */
export function appRoleSettingsFrom(env: Readonly<Record<string, unknown>>): AppRoleSettings | undefined {
  const ms = (name: string): number | undefined => {
    const value = env[name];
    return typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : undefined;
  };
  const statementTimeoutMs = ms(ENV.MIGRATION_APP_STATEMENT_TIMEOUT_MS);
  const idleInTransactionSessionTimeoutMs = ms(ENV.MIGRATION_APP_IDLE_IN_TRANSACTION_TIMEOUT_MS);
  if (statementTimeoutMs === undefined || idleInTransactionSessionTimeoutMs === undefined) return undefined;
  return { statementTimeoutMs, idleInTransactionSessionTimeoutMs };
}

/** `name = value` pairs for `ALTER ROLE … IN DATABASE … SET` (integers: milliseconds). */
export function appRoleSettingPairs(settings: AppRoleSettings): Array<[string, number]> {
  return [
    ['statement_timeout', Math.trunc(settings.statementTimeoutMs)],
    ['idle_in_transaction_session_timeout', Math.trunc(settings.idleInTransactionSessionTimeoutMs)],
  ];
}
