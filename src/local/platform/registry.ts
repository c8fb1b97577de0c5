import * as fs from 'fs';
import * as path from 'path';
import { cacheDir } from './cache';
import { abandonedNamespaces, removeNamespaces } from './netns';
import { procStat, processStartTime } from './proc';

/** One process a run started, identified by PID and start time (so a reused PID is never killed). */
interface Entry {
  readonly pid: number;
  readonly name: string;
  readonly started?: string;
}

/** What a run serves: the commands that sign for it (`local token`) read this. */
export interface RunDescription {
  /** The assembly directory, resolved. */
  readonly assembly: string;
  readonly clerk: string;
}

interface RunFile {
  readonly owner: Entry;
  serve?: RunDescription;
  readonly processes: Entry[];
  readonly dirs: string[];
  /** Network namespaces of an isolated run (`--isolate`). */
  readonly namespaces?: string[];
}

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
    this.state = { owner: { pid: process.pid, name: 'secure-lambda-postgres', started: processStartTime(process.pid) }, processes: [], dirs: [], namespaces: [] };
  }

  public addProcess(pid: number, name: string): void {
    this.state.processes.push({ pid, name, started: processStartTime(pid) });
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

  public addNamespace(name: string): void {
    this.state.namespaces!.push(name);
    this.save();
  }

  public describe(serve: RunDescription): void {
    this.state.serve = serve;
    this.save();
  }

  /** The other runs going on now that described themselves, with their owners' PIDs. */
  public liveRuns(): Array<RunDescription & { pid: number }> {
    return readRuns(this.dir)
      .filter(({ run }) => run.serve && run.owner.pid !== process.pid && alive(run.owner))
      .map(({ run }) => ({ ...run.serve!, pid: run.owner.pid }));
  }

  /** The run stopped cleanly. */
  public close(): void {
    fs.rmSync(this.file, { force: true });
  }

  /** Stop what runs whose owner is gone left behind; returns a line to print, if anything was found. */
  public recoverAbandoned(): string | undefined {
    let killed = 0;
    let namespaces = 0;
    const owners: number[] = [];
    for (const { file, run } of readRuns(this.dir)) {
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
      namespaces += removeNamespaces(run.namespaces ?? []);
      fs.rmSync(file, { force: true });
      owners.push(run.owner.pid);
    }
    // Also those of runs recorded in another cache directory: their names say whose they are.
    namespaces += removeNamespaces(abandonedNamespaces());
    const removed = namespaces === 0 ? '' : `, ${namespaces} network namespace${namespaces === 1 ? '' : 's'} removed`;
    return owners.length === 0 && namespaces === 0 ? undefined
      : `cleaned up after an earlier run that did not stop${owners.length ? ` (pid ${owners.join(', ')})` : ''}: ${killed} process${killed === 1 ? '' : 'es'} stopped, its temporary files removed${removed}`;
  }

  private save(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    fs.writeFileSync(this.file, JSON.stringify(this.state));
  }
}

/** The run files in `dir` that can be read. */
function readRuns(dir: string): Array<{ file: string; run: RunFile }> {
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.json')) : [];
  return names.flatMap((name) => {
    const file = path.join(dir, name);
    try {
      return [{ file, run: JSON.parse(fs.readFileSync(file, 'utf8')) as RunFile }];
    } catch {
      return [];
    }
  });
}
