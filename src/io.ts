/**
 * A problem the user can fix (bad arguments, no assembly, a port in use, PostgreSQL failing to
 * start): the CLI prints the message as one line and exits 2, after stopping what it started.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The message of anything thrown, on one line. */
export function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
