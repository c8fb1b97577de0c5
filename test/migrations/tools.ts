import * as fs from 'fs';
import * as path from 'path';
import { Migrations } from '../../src';
import { discoverBackends } from '../../src/local/assembly/discover';
import { synthApp } from '../local/helpers';

let count = 0;

/** A copy of `source` in a fresh folder under `root`, changed by `edit`. */
export function toolFolder(root: string, source: string, edit: (dir: string) => void = () => undefined): string {
  const dir = path.join(root, `copy${++count}`, path.basename(source));
  fs.cpSync(source, dir, { recursive: true });
  edit(dir);
  return dir;
}

/**
 * Synthesize an app with these migrations and return the directory the local stack and the
 * migration function read: the layer's asset in the cloud assembly.
 */
export function stagedMigrations(root: string, migrations: Migrations): string {
  const [backend] = discoverBackends(synthApp(path.join(root, `app${++count}`), { migrations }));
  const dir = backend.roles?.migrationsDir;
  if (!dir) throw new Error('the assembly holds no migration files');
  return dir;
}
