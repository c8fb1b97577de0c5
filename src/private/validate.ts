import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { invalid } from './errors';

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

/**
 * Checks an enum-typed prop against the enum's values. TypeScript checks it at compile time, but
 * props from plain JavaScript, JSON or a hand-written object reach the construct as whatever they
 * are: `'IAM'` for `'iam'` must fail, not fall back to a default.
 *
 * @param enumName the enum's name as users write it, for the message
 * @param values the enum object
 */
export function checkEnum(scope: IConstruct, prop: string, value: unknown, enumName: string, values: object): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  // A numeric enum maps its values back to its names too: only the names are members.
  const members = Object.entries(values).filter(([name]) => Number.isNaN(Number(name)));
  if (members.some(([, member]) => member === value)) return;
  const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : String(v));
  throw invalid(scope, `${prop} must be one of ${members.map(([, v]) => show(v)).join(', ')} `
    + `(${members.map(([name]) => `${enumName}.${name}`).join(', ')}), got ${show(value)}.`);
}
