/**
 * Where a server of the local stack runs. Today every tier is this machine's loopback; a
 * placement in a network namespace has `prefix: ['ip', 'netns', 'exec', '<ns>']` and the tier's
 * address as `host`, so no server needs to know where it runs. Plain data: a component process
 * that starts servers of its own (the Lambda service starting function containers) receives it.
 */
export interface Placement {
  /** Subnet tier the placement stands for: `public`, `application` or `database`. */
  readonly tier: string;
  /** The address servers placed here listen on, and clients elsewhere connect to. */
  readonly host: string;
  /** Arguments placed before every command started here (none on loopback). */
  readonly prefix: readonly string[];
}

/** A program and its arguments. */
export interface Command {
  readonly command: string;
  readonly args: readonly string[];
}

/** A placement on this machine's loopback interface. */
export function loopback(tier: string): Placement {
  return { tier, host: '127.0.0.1', prefix: [] };
}

/** The command line that runs `command args` in the placement. */
export function placed(placement: Placement, command: string, args: readonly string[]): Command {
  const [first, ...rest] = placement.prefix;
  return first === undefined ? { command, args } : { command: first, args: [...rest, command, ...args] };
}
