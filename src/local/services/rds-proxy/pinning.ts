/**
 * RDS Proxy's conditions that pin a client session to one database connection (RDS for
 * PostgreSQL), as statements are classified on their way through the local proxy.
 *
 * RDS User Guide, "Avoiding pinning an RDS Proxy":
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-pinning.html
 * Since November 2023 the extended query protocol is multiplexed: unnamed prepared statements do
 * not pin, named ones (Parse with a name) do. Transaction-level advisory locks
 * (`pg_advisory_xact_lock` and friends) and `SET LOCAL` end with their transaction: they do not pin.
 */

/** Why a session is pinned: the names serve and verify print. */
export type PinKind =
  | 'SET' | 'RESET' | 'set_config' | 'PREPARE' | 'EXECUTE' | 'DEALLOCATE' | 'DISCARD'
  | 'temporary object' | 'DECLARE cursor' | 'LISTEN' | 'LOAD' | 'sequence function'
  | 'advisory lock' | 'named prepared statement' | 'statement over 16 KB';

export interface Pin {
  readonly kind: PinKind;
  /** The statement with every literal replaced by `?`, cut to a line. */
  readonly excerpt: string;
}

/** A statement as the client sends it: a simple Query, or an extended-protocol Parse. */
export type ClientStatement =
  | { readonly protocol: 'simple'; readonly sql: string }
  | { readonly protocol: 'extended'; readonly name: string; readonly sql: string };

/** RDS Proxy pins a session whose statement text is larger than 16 KB. */
export const MAX_UNPINNED_STATEMENT_BYTES = 16 * 1024;

const EXCERPT_CHARS = 80;

/** Statements that pin by their leading keywords (first match wins). */
const LEADING: ReadonlyArray<readonly [RegExp, PinKind]> = [
  [/^SET\s+(SESSION\s+)?(?!LOCAL\b)(?!TRANSACTION\b)(?!CONSTRAINTS?\b)/i, 'SET'],
  [/^RESET\b/i, 'RESET'],
  [/^PREPARE\b/i, 'PREPARE'],
  [/^EXECUTE\b/i, 'EXECUTE'],
  [/^DEALLOCATE\b/i, 'DEALLOCATE'],
  [/^DISCARD\b/i, 'DISCARD'],
  [/^CREATE\s+(OR\s+REPLACE\s+)?(GLOBAL\s+|LOCAL\s+)?TEMP(ORARY)?\s+(TABLE|SEQUENCE|VIEW|RECURSIVE\s+VIEW)\b/i, 'temporary object'],
  [/^DECLARE\b/i, 'DECLARE cursor'],
  [/^LISTEN\b/i, 'LISTEN'],
  [/^LOAD\b/i, 'LOAD'],
];

/** Statements that pin by what they call or create anywhere in their text. */
const ANYWHERE: ReadonlyArray<readonly [RegExp, PinKind]> = [
  [/\bINTO\s+(TEMP|TEMPORARY)\s+/i, 'temporary object'],
  [/\bset_config\s*\(/i, 'set_config'],
  [/\b(nextval|setval|currval|lastval)\s*\(/i, 'sequence function'],
  // Session-level advisory locks: pg_advisory_lock, pg_try_advisory_lock_shared, ... (not *_xact_*).
  [/\bpg_(try_)?advisory_(?!xact_)(lock|unlock)\w*\s*\(/i, 'advisory lock'],
];

/**
 * Whether this statement pins the session that sends it, and why. A simple Query may carry
 * several statements: each is classified.
 */
export function classifyStatement(statement: ClientStatement): Pin | undefined {
  const excerpt = () => redact(statement.sql);
  if (Buffer.byteLength(statement.sql) > MAX_UNPINNED_STATEMENT_BYTES) return { kind: 'statement over 16 KB', excerpt: excerpt() };
  if (statement.protocol === 'extended' && statement.name !== '') return { kind: 'named prepared statement', excerpt: excerpt() };
  const code = withoutLiterals(statement.sql);
  for (const part of code.split(';')) {
    const text = part.trim();
    const leading = LEADING.find(([re]) => re.test(text));
    if (leading) return { kind: leading[1], excerpt: excerpt() };
    if (/^SELECT\b[\s\S]*\bset_config\s*\([^)]*,\s*true\s*\)/i.test(text)) continue;
    const anywhere = ANYWHERE.find(([re]) => re.test(text));
    if (anywhere) return { kind: anywhere[1], excerpt: excerpt() };
  }
  return undefined;
}

/**
 * The SQL with comments removed and every string, dollar-quoted and quoted-identifier body
 * emptied, so that keywords are matched in code only.
 */
function withoutLiterals(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$/g, "''")
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""');
}

/** The statement on one line with its values replaced by `?`: what serve may print. */
export function redact(sql: string): string {
  let text = withoutLiterals(sql)
    .replace(/''/g, '?')
    .replace(/\b\d+(\.\d+)?\b/g, '?')
    .replace(/\s+/g, ' ')
    .trim();
  // A SET's value may be an identifier (search_path TO tenant_a): it is a value all the same.
  text = text.replace(/^(SET\s+(SESSION\s+)?[\w.]+)\s*(=|\bTO\b)[\s\S]*/i, '$1 = ?');
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS - 1)}…` : text;
}
