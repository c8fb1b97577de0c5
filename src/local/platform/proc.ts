import * as fs from 'fs';

/** State and start time of a process from /proc (Linux); undefined elsewhere or when it is gone. */
export function procStat(pid: number): { state: string; started: string } | undefined {
  try {
    // Fields 3 and 22 of /proc/<pid>/stat; the command name (field 2) may contain spaces, so count from its end.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return { state: fields[0], started: fields[19] };
  } catch {
    return undefined;
  }
}

/** A process's start time (clock ticks since boot, from /proc), or undefined when it is gone or off Linux. */
export const processStartTime = (pid: number) => procStat(pid)?.started;
