/** Why the database could not be used; all of them map to HTTP 503. */
export type DatabaseUnavailableReason = 'secret-unavailable' | 'auth-failed' | 'connect-failed' | 'tls-failed' | 'timeout';

/** Thrown when the database cannot be reached or logged into (as opposed to a failing SQL statement). */
export class DatabaseUnavailableError extends Error {
  public readonly reason: DatabaseUnavailableReason;
  /** The underlying error's code (SQLSTATE, errno or SDK error name) when known. */
  public readonly code?: string;
  constructor(reason: DatabaseUnavailableReason, code?: string) {
    super(`database unavailable: ${reason}${code ? ` (${code})` : ''}`);
    this.name = 'DatabaseUnavailableError';
    this.reason = reason;
    this.code = code;
  }
}

/** What went wrong with a database call, as far as retrying is concerned. */
export type DatabaseErrorKind = 'auth' | 'connection' | 'tls' | 'timeout' | 'other';

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND',
  'EAI_AGAIN', 'ECONNABORTED', 'ERR_SOCKET_CLOSED', 'ERR_STREAM_DESTROYED',
]);
// admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
const CONNECTION_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const AUTH_SQLSTATES = new Set(['28P01', '28000']);
// 57014 query_canceled: statement_timeout, or a cancel request.
const TIMEOUT_SQLSTATES = new Set(['57014']);
const CONNECTION_MESSAGE = /connection terminated|timed-out waiting to acquire|query_wait_timeout|connection ended|not queryable|timeout exceeded when trying to connect|connection timeout|timeout expired|client was closed|server closed the connection|server conn crashed|socket hang up/i;
const TIMEOUT_MESSAGE = /query read timeout/i;
const TLS_MESSAGE = /certificate|self[- ]signed|does not support SSL|establishing an SSL connection|ssl/i;

/** Classify a pg / socket / TLS error. Exported for custom handlers and tests. */
export function classifyDatabaseError(err: unknown): DatabaseErrorKind {
  // Prisma's driver adapters keep the driver's SQLSTATE and message as originalCode / originalMessage.
  const e = (err ?? {}) as { code?: unknown; message?: unknown; originalCode?: unknown; originalMessage?: unknown };
  const code = typeof e.code === 'string' ? e.code : typeof e.originalCode === 'string' ? e.originalCode : '';
  const message = typeof e.message === 'string' ? e.message : typeof e.originalMessage === 'string' ? e.originalMessage : '';
  // RDS Proxy refuses a wrong password with its own text, and documents no SQLSTATE for it
  // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.troubleshooting.html).
  if (AUTH_SQLSTATES.has(code) || /password authentication failed|authentication failed|no such user|password that was provided for the role/i.test(message)) {
    return 'auth';
  }
  if (code === 'DeadlineExceeded' || TIMEOUT_SQLSTATES.has(code) || TIMEOUT_MESSAGE.test(message)) {
    return 'timeout';
  }
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code) || (!code && TLS_MESSAGE.test(message))) {
    return 'tls';
  }
  if (NETWORK_CODES.has(code) || code.startsWith('08') || CONNECTION_SQLSTATES.has(code) || CONNECTION_MESSAGE.test(message)) {
    return 'connection';
  }
  return 'other';
}
