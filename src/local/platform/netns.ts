import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { NETNS_DIR, placed } from './placement';
import { processStartTime } from './proc';

/** What to set up in one network namespace. */
export interface NamespacePlan {
  readonly name: string;
  /** `key=value` for `sysctl -w`, applied before any interface is created. */
  readonly sysctls: readonly string[];
  /** `ip -batch` lines, run inside the namespace. */
  readonly ip: readonly string[];
  /** An nftables ruleset for `nft -f`, when the namespace filters or translates. */
  readonly nft?: string;
}

const PREFIX = /^slp-([0-9a-z]+)_([0-9a-z]+)-/;

/**
 * The prefix of every namespace a run creates: `slp-<pid>_<start time>` (base 36), so that a
 * later run can tell a leftover of a run that died (its owner is gone) from one still running.
 */
export function runPrefix(pid = process.pid, started = processStartTime(pid)): string {
  return `slp-${pid.toString(36)}_${Number(started ?? 0).toString(36)}`;
}

/** The run a namespace name says it belongs to (pid and start time), if it is one of ours. */
export function ownerOf(name: string): { pid: number; started: string } | undefined {
  const m = PREFIX.exec(name);
  return m ? { pid: parseInt(m[1], 36), started: String(parseInt(m[2], 36)) } : undefined;
}

function run(command: string, args: readonly string[], input?: string): string {
  const out = spawnSync(command, args, { input, encoding: 'utf8', timeout: 10_000 });
  if (out.status !== 0) {
    const why = (out.stderr || out.error?.message || `exit ${out.status ?? out.signal}`).trim().split('\n').slice(-2).join(' ');
    throw new Error(`${command} ${args.slice(0, 4).join(' ')}: ${why}`);
  }
  return out.stdout;
}

/**
 * Creates the namespaces of a plan and wires them: `register` is told each name before it is
 * created, so a crash at any point leaves nothing the next run cannot find.
 */
export function createNamespaces(plans: readonly NamespacePlan[], register: (name: string) => void): void {
  for (const p of plans) {
    register(p.name);
    run('ip', ['netns', 'add', p.name]);
  }
  // Before any interface exists, so the `default` settings apply to the veths too.
  const inside = (namespace: string, command: string, args: readonly string[], input?: string) => {
    const line = placed({ tier: namespace, host: '', netns: namespace }, command, args);
    run(line.command, line.args, input);
  };
  for (const p of plans.filter((x) => x.sysctls.length > 0)) inside(p.name, 'sysctl', ['-q', '-w', ...p.sysctls]);
  for (const p of plans) run('ip', ['-n', p.name, '-batch', '-'], p.ip.join('\n') + '\n');
  for (const p of plans.filter((x) => x.nft !== undefined)) inside(p.name, 'nft', ['-f', '-'], p.nft);
}

/** Processes running in a namespace (`ip netns pids`). */
function pidsIn(namespace: string): number[] {
  try {
    return run('ip', ['netns', 'pids', namespace]).split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Kills what still runs in the namespaces (by PID) and deletes them, which removes their veths,
 * addresses, routes and rules with them. Names that no longer exist are skipped.
 */
export function removeNamespaces(names: readonly string[]): number {
  let removed = 0;
  for (const name of names.filter((n) => fs.existsSync(`${NETNS_DIR}/${n}`))) {
    for (const pid of pidsIn(name)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    try {
      run('ip', ['netns', 'del', name]);
      removed++;
    } catch {
      // a process was still exiting: the next run removes it
    }
  }
  return removed;
}

/** Namespaces of runs whose owner process is gone (killed or crashed before it could remove them). */
export function abandonedNamespaces(): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(NETNS_DIR);
  } catch {
    return [];
  }
  return names.filter((name) => {
    const owner = ownerOf(name);
    return owner !== undefined && processStartTime(owner.pid) !== owner.started;
  });
}
