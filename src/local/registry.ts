import * as fs from 'fs';
import * as path from 'path';
import { cacheDir } from './cache';

/** One process a run started, identified by PID and start time (so a reused PID is never killed). */
interface Entry {
  readonly pid: number;
  readonly name: string;
  readonly started?: string;
}

interface RunFile {
  readonly owner: Entry;
  readonly processes: Entry[];
  readonly dirs: string[];
}

/** State and start time of a process from /proc (Linux); undefined elsewhere or when it is gone. */
function procStat(pid: number): { state: string; started: string } | undefined {
  try {
    // Fields 3 and 22 of /proc/<pid>/stat; the command name (field 2) may contain spaces, so count from its end.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return { state: fields[0], started: fields[19] };
  } catch {
    return undefined;
  }
}

const startTime = (pid: number) => procStat(pid)?.started;

/** Running (not a zombie) and the same process that was recorded, not a reused PID. */
function alive(e: Entry): boolean {
  try {
    process.kill(e.pid, 0);
  } catch {
    return false;
  }
  const stat = procStat(e.pid);
  return e.started === undefined || (stat !== undefined && stat.state !== 'Z' && stat.started === e.started);
}

/**
 * What a run has started, on disk (`<cache>/runs/<pid>.json`), so that a run that was killed
 * before it could stop its servers (SIGKILL, a crash) is cleaned up by the next one.
 */
export class RunRegistry {
  private readonly file: string;
  private readonly state: RunFile;

  constructor(private readonly dir = path.join(cacheDir(), 'runs')) {
    this.file = path.join(dir, `${process.pid}.json`);
    this.state = { owner: { pid: process.pid, name: 'secure-lambda-postgres', started: startTime(process.pid) }, processes: [], dirs: [] };
  }

  public addProcess(pid: number, name: string): void {
    this.state.processes.push({ pid, name, started: startTime(pid) });
    this.save();
  }

  public removeProcess(pid: number): void {
    const i = this.state.processes.findIndex((p) => p.pid === pid);
    if (i >= 0) this.state.processes.splice(i, 1);
    this.save();
  }

  public addDir(dir: string): void {
    this.state.dirs.push(dir);
    this.save();
  }

  /** The run stopped cleanly. */
  public close(): void {
    fs.rmSync(this.file, { force: true });
  }

  /** Stop what runs whose owner is gone left behind; returns a line to print, if anything was found. */
  public recoverAbandoned(): string | undefined {
    if (!fs.existsSync(this.dir)) return undefined;
    let killed = 0;
    const owners: number[] = [];
    for (const name of fs.readdirSync(this.dir).filter((n) => n.endsWith('.json'))) {
      const file = path.join(this.dir, name);
      let run: RunFile;
      try {
        run = JSON.parse(fs.readFileSync(file, 'utf8')) as RunFile;
      } catch {
        continue;
      }
      if (run.owner.pid === process.pid || alive(run.owner)) continue;
      for (const p of run.processes.filter((e) => e.started !== undefined && alive(e))) {
        try {
          process.kill(p.pid, 'SIGKILL');
          killed++;
        } catch {
          // gone meanwhile
        }
      }
      for (const dir of run.dirs) fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(file, { force: true });
      owners.push(run.owner.pid);
    }
    return owners.length === 0 ? undefined
      : `cleaned up after an earlier run that did not stop (pid ${owners.join(', ')}): ${killed} process${killed === 1 ? '' : 'es'} stopped, its temporary files removed`;
  }

  private save(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    fs.writeFileSync(this.file, JSON.stringify(this.state));
  }
}
