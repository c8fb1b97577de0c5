/** A PostgreSQL identifier, double-quoted (so names are taken literally, never as SQL). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A PostgreSQL string literal (standard-conforming strings, as PostgreSQL has had by default since 9.1). */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
