/**
 * Where a server of the local stack runs: this machine's loopback, or (`--isolate`) a network
 * namespace of the replica with the host's address as `host`, so no server needs to know where it
 * runs. Plain data: a component process that starts servers of its own (the Lambda service
 * starting function containers) receives it.
 */
export interface Placement {
  /** What the placement stands for: `public`, `application`, `database`, `internet`, ... */
  readonly tier: string;
  /** The address servers placed here listen on, and clients elsewhere connect to. */
  readonly host: string;
  /** The network namespace (a name under /run/netns) commands started here run in; none on loopback. */
  readonly netns?: string;
}

/** A program and its arguments, and the user it runs as when the spawn itself must switch. */
export interface Command {
  readonly command: string;
  readonly args: readonly string[];
  readonly uid?: number;
  readonly gid?: number;
}

/** Where `ip netns` keeps the namespaces it names. */
export const NETNS_DIR = '/run/netns';

/** A placement on this machine's loopback interface. */
export function loopback(tier: string): Placement {
  return { tier, host: '127.0.0.1' };
}

/**
 * The command line that runs `command args` in the placement, as `runAs` when given. In a
 * namespace, `nsenter` (which needs root) enters it and then drops to that user, so the spawn
 * itself stays root.
 */
export function placed(placement: Placement, command: string, args: readonly string[], runAs?: { readonly uid: number; readonly gid: number }):
Command {
  if (placement.netns === undefined) return { command, args, uid: runAs?.uid, gid: runAs?.gid };
  const credentials = runAs ? ['-S', String(runAs.uid), '-G', String(runAs.gid)] : [];
  return { command: 'nsenter', args: [`--net=${NETNS_DIR}/${placement.netns}`, ...credentials, '--', command, ...args] };
}
