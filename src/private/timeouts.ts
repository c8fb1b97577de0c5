import { Duration, Token } from 'aws-cdk-lib';

/** The function's timeout when `functionTimeout` is not set. */
export const DEFAULT_FUNCTION_TIMEOUT = Duration.seconds(10);

/** Seconds of a duration, or undefined while it is a token. */
function seconds(duration: Duration): number | undefined {
  const value = duration.toSeconds({ integral: false });
  return Token.isUnresolved(value) ? undefined : value;
}

/** `FUNCTION_TIMEOUT_MS` for the function's environment, or undefined while the timeout is a token. */
export function functionTimeoutMillis(functionTimeout: Duration = DEFAULT_FUNCTION_TIMEOUT): string | undefined {
  const value = seconds(functionTimeout);
  return value === undefined ? undefined : String(Math.round(value * 1000));
}

/**
 * The proxy's borrow timeout when `proxyBorrowTimeout` is not set: half the function's timeout in
 * whole seconds (at least 1), so that a request waiting for a pooled connection gets the proxy's
 * error while the handler still has time to answer 503. Undefined while the timeout is a token.
 */
export function defaultProxyBorrowTimeout(functionTimeout: Duration = DEFAULT_FUNCTION_TIMEOUT): Duration | undefined {
  const value = seconds(functionTimeout);
  return value === undefined ? undefined : Duration.seconds(Math.max(1, Math.floor(value / 2)));
}

/** A borrow timeout must end before the function does. */
export function validateProxyBorrowTimeout(borrowTimeout: Duration | undefined, functionTimeout: Duration = DEFAULT_FUNCTION_TIMEOUT): void {
  const borrow = borrowTimeout && seconds(borrowTimeout);
  const fn = seconds(functionTimeout);
  if (borrow !== undefined && fn !== undefined && borrow >= fn) {
    throw new Error(`proxyBorrowTimeout (${borrowTimeout!.toHumanString()}) must be shorter than functionTimeout (${functionTimeout.toHumanString()}): `
      + "a request still waiting for a pooled connection when the function times out gets API Gateway's 5xx instead of the handler's 503. "
      + 'Lower proxyBorrowTimeout (by default half the function timeout), or raise functionTimeout.');
  }
}
