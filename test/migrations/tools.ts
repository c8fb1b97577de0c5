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

/** The one edit the synth check asks of a drizzle-kit folder: the construct has created the schema already. */
export function allowExistingSchema(drizzleFolder: string): void {
  const init = path.join(drizzleFolder, '0000_init.sql');
  fs.writeFileSync(init, fs.readFileSync(init, 'utf8').replace('CREATE SCHEMA "app";', 'CREATE SCHEMA IF NOT EXISTS "app";'));
}

/**
 * A copy of a drizzle-kit folder with a third migration in its journal whose second statement
 * (line 2, after a breakpoint) fails: column "nope" does not exist.
 */
export function withBrokenDrizzleMigration(root: string, drizzleFolder: string): string {
  return toolFolder(root, drizzleFolder, dir => {
    const journal = path.join(dir, 'meta', '_journal.json');
    const j = JSON.parse(fs.readFileSync(journal, 'utf8'));
    j.entries.push({ idx: 2, version: '7', when: Date.now(), tag: '0002_broken', breakpoints: true });
    fs.writeFileSync(journal, JSON.stringify(j));
    fs.writeFileSync(path.join(dir, '0002_broken.sql'), 'ALTER TABLE "app"."users" ADD COLUMN "bio" text;--> statement-breakpoint\nUPDATE "app"."users" SET "bio" = "nope";');
  });
}
