import * as fs from 'fs';
import * as path from 'path';
import { LocalStack } from './stack';
import { Say } from './startup';
import { oneLine } from '../../io';
import { discoverBackends } from '../assembly/discover';
import { BackendSpec } from '../assembly/model';

/**
 * Watch the assembly while `serve` runs: after each `cdk synth` (a new manifest.json), every
 * backend's function runs the new code asset, handler, environment and timeout, and its API the new
 * resources and throttling; new containers start from them, old ones stop once idle. What cannot
 * change without a restart (the database, the proxy, the set of backends) is said in a line.
 */
export function watchAssembly(assembly: string, stackName: string | undefined, stack: LocalStack, say: Say): () => void {
  const manifest = path.join(path.resolve(assembly), 'manifest.json');
  const current = new Map<string, BackendSpec>(stack.backends.map((b) => [b.spec.name, b.spec]));
  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    let specs: BackendSpec[];
    try {
      specs = discoverBackends(path.resolve(assembly), stackName);
    } catch (err) {
      say(`not reloaded: ${oneLine(err)}`);
      return;
    }
    for (const b of stack.backends) {
      const name = b.spec.name;
      const next = specs.find((s) => s.name === name);
      if (!next) {
        say(`${name} is no longer in the assembly: restart local serve`);
        continue;
      }
      const before = current.get(name)!;
      if (JSON.stringify([next.database, next.proxy]) !== JSON.stringify([before.database, before.proxy])) {
        say(`${name}: the database or proxy settings changed; restart local serve to apply them`);
      }
      current.set(name, next);
      // As a deployment would: new migration files first, then the new code serves; a failing file
      // fails the deployment, so the old code keeps serving.
      const migrated = next.roles?.checksum === before.roles?.checksum ? Promise.resolve([]) : b.migrate(next);
      void migrated.then((lines) => {
        lines.forEach((l) => say(`${name}: ${l}`));
        // Notes the start printed stay true; say only what this synth brings.
        b.reload(next).filter((n) => !b.notes.includes(n)).forEach((n) => say(`${name}: ${n}`));
        const code = next.function.code;
        const where = 'directory' in code ? path.relative(process.cwd(), code.directory) : 'zip' in code ? path.relative(process.cwd(), code.zip) : 'inline code';
        say(`reloaded ${name}: ${next.function.handler} from ${where}${next.api.stageName === before.api.stageName ? '' : `; the stage is now /${next.api.stageName}/`}`);
      }, (err) => {
        current.set(name, before);
        say(`${name}: not reloaded: ${oneLine(err)}; the previous code keeps serving`);
      });
    }
    for (const added of specs.filter((s) => !current.has(s.name))) {
      say(`${added.name} is new in the assembly: restart local serve to run it`);
    }
  };
  // Polling the file's mtime survives the directory being replaced, which fs.watch does not.
  fs.watchFile(manifest, { interval: 300 }, (now, before) => {
    if (now.mtimeMs === before.mtimeMs || now.mtimeMs === 0) return;
    clearTimeout(timer);
    timer = setTimeout(reload, 300);
  });
  return () => {
    clearTimeout(timer);
    fs.unwatchFile(manifest);
  };
}
