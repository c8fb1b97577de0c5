/**
 * Structured JSON logging that never prints tokens, secrets, passwords or stack traces.
 *
 * Every line is one JSON object: `{ "level", "event", "time", ...fields }`. Field values are
 * sanitised before they are serialised:
 * - values under sensitive keys (`password`, `token`, `authorization`, `secret`, ...) are replaced;
 * - strings are scrubbed of bearer tokens, JWT-shaped strings, PEM blocks and every secret value
 *   registered with {@link registerSecretValue} (the secrets loader registers what it fetches);
 * - `Error`s are reduced to `{ name, code, reason, message }` — never `stack`.
 */

/** Severity of a log line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Extra structured fields of a log line. */
export interface LogFields {
  readonly [key: string]: unknown;
}

/** An error reduced to what is safe to log or inspect. */
export interface ErrorSummary {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly reason?: string;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const REDACTED = '[REDACTED]';
const MAX_STRING = 500;
const MAX_REGISTERED = 256;

/** Keys whose values are never logged, whatever they hold. */
const SENSITIVE_KEY = /^(authorization|cookie|password|passwd|pass|pwd|secret|secretstring|secretkey|secret_key|token|accesstoken|sessiontoken|idtoken|jwt|jwtkey|jwt_key|privatekey|private_key|credentials?|apikey|api_key)$/i;

// Anything that looks like a JWT (three base64url segments, the first starting with `{"` encoded).
const JWT_PATTERN = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const BEARER_PATTERN = /\b(Bearer|Basic)\s+[^\s"',;]+/gi;
const PEM_PATTERN = /-----BEGIN [A-Z ]+-----[\s\S]*?(-----END [A-Z ]+-----|$)/g;
const CLERK_SECRET_PATTERN = /\bsk_(live|test)_[A-Za-z0-9]+/g;
// SigV4 presigned query strings (IAM database tokens) and secret access keys in URLs.
const SIGV4_PATTERN = /X-Amz-(Signature|Security-Token|Credential)=[^&\s"']+/gi;

// Per container: values fetched from Secrets Manager (or signed) that must never be printed.
const registered = new Set<string>();
let minimumLevel: number | undefined;

/**
 * Register a secret value (a password, a key, a token) so that it is scrubbed from every log line
 * this container writes. Values shorter than 4 characters are ignored (they would redact noise).
 */
export function registerSecretValue(value: string | undefined | null): void {
  if (typeof value === 'string' && value.length >= 4 && !registered.has(value)) {
    registered.add(value);
    if (registered.size > MAX_REGISTERED) {
      // Oldest first: IAM tokens are re-signed per connection and expire after 15 minutes.
      registered.delete(registered.values().next().value as string);
    }
  }
}

/** Remove every known secret shape and registered secret value from a string. */
export function redact(text: string): string {
  let out = text;
  for (const value of registered) {
    if (out.includes(value)) {
      out = out.split(value).join(REDACTED);
    }
  }
  out = out
    .replace(PEM_PATTERN, '[REDACTED_PEM]')
    .replace(BEARER_PATTERN, '$1 ' + REDACTED)
    .replace(JWT_PATTERN, '[REDACTED_JWT]')
    .replace(CLERK_SECRET_PATTERN, '[REDACTED_KEY]')
    .replace(SIGV4_PATTERN, 'X-Amz-$1=' + REDACTED);
  return out.length > MAX_STRING ? out.slice(0, MAX_STRING) + '…' : out;
}

/** Reduce anything thrown to a loggable summary: name, code, reason and a scrubbed message. */
export function summariseError(err: unknown): ErrorSummary {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; message?: unknown; code?: unknown; reason?: unknown; constructor?: { name?: string } };
    const name = typeof e.name === 'string' ? e.name : (e.constructor?.name ?? 'Error');
    const summary: { name: string; message: string; code?: string; reason?: string } = {
      name,
      message: redact(typeof e.message === 'string' ? e.message : ''),
    };
    if (typeof e.code === 'string' || typeof e.code === 'number') {
      summary.code = String(e.code);
    }
    if (typeof e.reason === 'string') {
      summary.reason = e.reason;
    }
    return summary;
  }
  return { name: typeof err, message: redact(String(err)) };
}

function sanitise(value: unknown, depth: number): unknown {
  if (value === null || value === undefined) {
    return value;
  }
  if (typeof value === 'string') {
    return redact(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'bigint') {
    return value.toString();
  }
  if (value instanceof Date) {
    return value.toISOString();
  }
  if (value instanceof Error) {
    return summariseError(value);
  }
  if (depth > 4) {
    return '[…]';
  }
  if (Array.isArray(value)) {
    return value.slice(0, 20).map((v) => sanitise(v, depth + 1));
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = SENSITIVE_KEY.test(k) ? REDACTED : sanitise(v, depth + 1);
    }
    return out;
  }
  return undefined; // functions, symbols
}

function threshold(): number {
  if (minimumLevel === undefined) {
    // AWS_LAMBDA_LOG_LEVEL is set by Lambda when the function uses JSON log format with a level.
    const configured = (process.env.AWS_LAMBDA_LOG_LEVEL ?? '').toLowerCase();
    minimumLevel = configured in LEVELS ? LEVELS[configured as LogLevel] : LEVELS.info;
  }
  return minimumLevel;
}

/** Whether a line at `level` would be written (skip building its fields when not). */
export function logEnabled(level: LogLevel): boolean {
  return LEVELS[level] >= threshold();
}

/** Write one structured log line. */
export function log(level: LogLevel, event: string, fields: LogFields = {}): void {
  if (LEVELS[level] < threshold()) {
    return;
  }
  const entry: Record<string, unknown> = { level, event: redact(event), time: new Date().toISOString() };
  for (const [k, v] of Object.entries(fields)) {
    if (k === 'level' || k === 'event' || k === 'time') {
      continue;
    }
    entry[k] = SENSITIVE_KEY.test(k) ? REDACTED : sanitise(v, 0);
  }
  let line: string;
  try {
    line = JSON.stringify(entry);
  } catch {
    line = JSON.stringify({ level, event: redact(event), time: entry.time, note: 'unserialisable fields dropped' });
  }
  if (level === 'error') {
    console.error(line);
  } else if (level === 'warn') {
    console.warn(line);
  } else {
    console.log(line);
  }
}

/** Convenience wrappers around {@link log}. */
export const logger = {
  debug: (event: string, fields?: LogFields) => log('debug', event, fields),
  info: (event: string, fields?: LogFields) => log('info', event, fields),
  warn: (event: string, fields?: LogFields) => log('warn', event, fields),
  error: (event: string, fields?: LogFields) => log('error', event, fields),
};
