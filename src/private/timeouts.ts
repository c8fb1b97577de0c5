import { Duration, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { DEFAULTS } from './defaults';
import { ENV } from '../contract';
import { invalid } from './errors';

/**
 * RDS Proxy's own borrow timeout, which stays only while the function's timeout is a deploy-time
 * token (half of it cannot be computed at synth).
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ConnectionPoolConfiguration.html
 */
const RDS_PROXY_BORROW_TIMEOUT = Duration.seconds(120);

/** Seconds of a duration, or undefined while it is a token. */
function seconds(duration: Duration): number | undefined {
  const value = duration.toSeconds({ integral: false });
  return Token.isUnresolved(value) ? undefined : value;
}

/** `FUNCTION_TIMEOUT_MS` for the function's environment, or undefined while the timeout is a token. */
export function functionTimeoutMillis(functionTimeout: Duration): string | undefined {
  const value = seconds(functionTimeout);
  return value === undefined ? undefined : String(Math.round(value * 1000));
}

/**
 * The proxy's borrow timeout: `proxyBorrowTimeout`, else half the function's timeout in whole
 * seconds (at least 1), so that a request waiting for a pooled connection gets the proxy's error
 * while the handler still has time to answer 503. A database built without a function assumes
 * the default function timeout (so 5 seconds), as the functions it serves have by default.
 */
export function resolveProxyBorrowTimeout(borrowTimeout: Duration | undefined, functionTimeout: Duration = DEFAULTS.functionTimeout): Duration {
  if (borrowTimeout) return borrowTimeout;
  const value = seconds(functionTimeout);
  return value === undefined ? RDS_PROXY_BORROW_TIMEOUT : Duration.seconds(Math.max(1, Math.floor(value / 2)));
}

/** A borrow timeout must end before the function does. */
export function validateProxyBorrowTimeout(
  scope: IConstruct, borrowTimeout: Duration | undefined, functionTimeout: Duration = DEFAULTS.functionTimeout,
): void {
  const borrow = borrowTimeout && seconds(borrowTimeout);
  const fn = seconds(functionTimeout);
  if (borrow !== undefined && fn !== undefined && borrow >= fn) {
    throw invalid(scope, `proxyBorrowTimeout (${borrowTimeout!.toHumanString()}) must be shorter than functionTimeout (${functionTimeout.toHumanString()}): `
      + "a request still waiting for a pooled connection when the function times out gets API Gateway's 5xx instead of the handler's 503. "
      + 'Lower proxyBorrowTimeout (by default half the function timeout), or raise functionTimeout.');
  }
}

/**
 * The app role's `statement_timeout` and `idle_in_transaction_session_timeout`, as the migration
 * function's environment: the function's timeout (0, no limit, while it is a deploy-time token).
 * The bootstrap sets them on the role, so no handler needs a `SET`, which would pin its RDS Proxy
 * session (see `AppRoleSettings`). A database built without a function assumes the default
 * function timeout, as the proxy's borrow timeout does.
 */
export function appRoleTimeouts(functionTimeout: Duration = DEFAULTS.functionTimeout): Record<string, string> {
  const ms = functionTimeoutMillis(functionTimeout) ?? '0';
  return { [ENV.MIGRATION_APP_STATEMENT_TIMEOUT_MS]: ms, [ENV.MIGRATION_APP_IDLE_IN_TRANSACTION_TIMEOUT_MS]: ms };
}
