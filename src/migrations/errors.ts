/** What went wrong in a migration run. */
export type MigrationErrorKind =
  /** A migration file's SQL failed: it was rolled back, later files did not run. */
  | 'sql'
  /** An applied file's text differs from what was applied. */
  | 'changed'
  /** An applied file is no longer there. */
  | 'missing'
  /** A new file sorts before one already applied. */
  | 'order'
  /** Another run held the migration lock until the deadline. */
  | 'lock-timeout'
  /** The run would not finish before the deadline. */
  | 'timeout'
  /** Creating or checking the roles and their grants failed. */
  | 'bootstrap';

/**
 * A failed migration run, with a message fit for a CloudFormation event and a terminal: what
 * failed (file and line where there is one), PostgreSQL's message and SQLSTATE, and what to do.
 * Never holds a password, a connection string or a stack trace.
 */
export class MigrationError extends Error {
  public readonly kind: MigrationErrorKind;
  /** The migration file concerned, when there is one. */
  public readonly file?: string;
  /** The 1-based line in `file` where the failing statement (or PostgreSQL's position) is. */
  public readonly line?: number;
  /** PostgreSQL's SQLSTATE, when the database reported the error. */
  public readonly sqlState?: string;

  constructor(kind: MigrationErrorKind, message: string, details: { file?: string; line?: number; sqlState?: string } = {}) {
    super(message);
    this.name = 'MigrationError';
    this.kind = kind;
    this.file = details.file;
    this.line = details.line;
    this.sqlState = details.sqlState;
  }
}

/** The fields of a `pg` `DatabaseError` the runner reads. */
export interface PgErrorFields {
  readonly message?: string;
  readonly code?: string;
  readonly position?: string;
  readonly hint?: string;
}

/** PostgreSQL's message with its SQLSTATE and hint: `message (SQLSTATE 42P01). Hint: …` */
export function describePgError(err: unknown): string {
  const e = (err ?? {}) as PgErrorFields;
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
  const state = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? ` (SQLSTATE ${e.code})` : '';
  const hint = typeof e.hint === 'string' && e.hint !== '' ? ` Hint: ${e.hint}` : '';
  return `${message}${state}.${hint}`;
}

/** The SQLSTATE of a `pg` error, when it is one. */
export function sqlStateOf(err: unknown): string | undefined {
  const code = ((err ?? {}) as PgErrorFields).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
