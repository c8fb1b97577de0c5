import { Token } from 'aws-cdk-lib';

/**
 * Whether a numeric prop is acceptable at synth time: absent, a token (CloudFormation checks it at
 * deploy time), or a whole number from `min` to `max`.
 */
export function isWholeNumberIn(value: number | undefined, min: number, max: number = Number.MAX_SAFE_INTEGER): boolean {
  return value === undefined || Token.isUnresolved(value) || (Number.isInteger(value) && value >= min && value <= max);
}
