import { Token } from 'aws-cdk-lib';

/**
 * Whether a numeric prop is acceptable at synth time: absent, a token (CloudFormation checks it at
 * deploy time), or a whole number from `min` to `max`.
 */
export function isWholeNumberIn(value: number | undefined, min: number, max: number = Number.MAX_SAFE_INTEGER): boolean {
  return value === undefined || Token.isUnresolved(value) || (Number.isInteger(value) && value >= min && value <= max);
}

/** A web origin: scheme and host (and port), no path, no `*`, no comma. */
const ORIGIN = /^(https?):\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;

/**
 * Whether a string prop is acceptable as an origin at synth time (a token is checked at deploy).
 *
 * @param httpsOnly whether `http:` is refused
 */
export function isOrigin(value: string, httpsOnly = false): boolean {
  if (Token.isUnresolved(value)) return true;
  const match = ORIGIN.exec(value);
  return match !== null && (!httpsOnly || match[1] === 'https');
}
