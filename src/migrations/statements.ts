/** One statement of a migration file and the line it starts on (1-based). */
export interface Statement {
  readonly text: string;
  readonly line: number;
}

/** What drizzle-kit writes between statements: a comment to PostgreSQL, a boundary to Drizzle's migrator. */
const BREAKPOINT = '--> statement-breakpoint';

/**
 * Split a file into statements at top-level semicolons and drizzle-kit's `--> statement-breakpoint`, so that an error can name the line of
 * the statement that failed even when PostgreSQL reports no position (a constraint violation, a
 * lock timeout). Understands what may hide a semicolon: quoted strings (`'…'`, `E'…'` with
 * backslash escapes), quoted identifiers, dollar-quoted bodies (`$$…$$`, `$tag$…$tag$`), `--`
 * comments and nested block comments. Statements holding only comments are dropped.
 */
export function splitStatements(sql: string): Statement[] {
  const statements: Statement[] = [];
  const lineOf = lineIndex(sql);
  let start = 0;
  let i = 0;
  const push = (end: number, next = end + 1) => {
    // The statement starts at its first token, after the comments that introduce it.
    const code = skipTrivia(sql, start, end);
    if (code < end) {
      statements.push({ text: sql.slice(code, end).trimEnd(), line: lineOf(code) });
    }
    start = next;
  };
  while (i < sql.length) {
    const c = sql[i];
    if (sql.startsWith(BREAKPOINT, i)) {
      // drizzle-kit's separator: what follows it on its line belongs to the next statement.
      push(i, i + BREAKPOINT.length);
      i += BREAKPOINT.length;
    } else if (c === '-' && sql[i + 1] === '-') {
      i = endOfLine(sql, i);
    } else if (c === '/' && sql[i + 1] === '*') {
      i = endOfBlockComment(sql, i);
    } else if (c === "'") {
      i = endOfQuoted(sql, i, "'", isEscapeString(sql, i));
    } else if (c === '"') {
      i = endOfQuoted(sql, i, '"', false);
    } else if (c === '$') {
      i = endOfDollarQuote(sql, i);
    } else if (c === ';') {
      push(i);
      i++;
    } else {
      i++;
    }
  }
  push(sql.length);
  return statements;
}

/** A lookup of the 1-based line of a 0-based offset in `text`. */
export function lineIndex(text: string): (offset: number) => number {
  const breaks: number[] = [];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) breaks.push(i);
  return (offset: number) => {
    let low = 0;
    let high = breaks.length;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if (breaks[mid] < offset) low = mid + 1;
      else high = mid;
    }
    return low + 1;
  };
}

function endOfLine(sql: string, i: number): number {
  const end = sql.indexOf('\n', i);
  return end < 0 ? sql.length : end + 1;
}

function endOfBlockComment(sql: string, i: number): number {
  let depth = 0;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return i;
}

function isEscapeString(sql: string, quote: number): boolean {
  const prefix = sql[quote - 1];
  return (prefix === 'E' || prefix === 'e') && !/[A-Za-z0-9_]/.test(sql[quote - 2] ?? '');
}

function endOfQuoted(sql: string, i: number, quote: string, backslashEscapes: boolean): number {
  i++;
  while (i < sql.length) {
    if (backslashEscapes && sql[i] === '\\') {
      i += 2;
    } else if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
      } else {
        return i + 1;
      }
    } else {
      i++;
    }
  }
  return i;
}

function endOfDollarQuote(sql: string, i: number): number {
  // `$1` is a parameter and `a$b` part of an identifier; a tag starts with a letter or `_`.
  const tag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i));
  if (!tag || /[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) return i + 1;
  const close = sql.indexOf(tag[0], i + tag[0].length);
  return close < 0 ? sql.length : close + tag[0].length;
}

function skipTrivia(sql: string, i: number, end: number): number {
  while (i < end) {
    if (/\s/.test(sql[i])) {
      i++;
    } else if (sql[i] === '-' && sql[i + 1] === '-') {
      i = endOfLine(sql, i);
    } else if (sql[i] === '/' && sql[i + 1] === '*') {
      i = endOfBlockComment(sql, i);
    } else {
      return i;
    }
  }
  return end;
}
