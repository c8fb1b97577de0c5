/**
 * Builds the baselines with exactly the esbuild arguments of the default handler's bundle task
 * (read from .projen/tasks.json, entry and output swapped), so the three bundles differ only in
 * their code.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { buildFastifyExample } from '../../example/fastify/build';

export const ROOT = path.resolve(__dirname, '..', '..');
const TASK = 'bundle:handler/api.lambda';
const ENTRY = 'src/handler/api.lambda.ts';

/** One handler under test: its name and the bundle the containers load. */
export interface Subject {
  readonly name: string;
  readonly bundle: string;
}

function bundleArgs(): string[] {
  const tasks = JSON.parse(fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf8')) as {
    tasks: Record<string, { steps?: Array<{ execArgs?: string[] }> }>;
  };
  const args = tasks.tasks[TASK]?.steps?.find((s) => s.execArgs)?.execArgs;
  if (!args || args[0] !== 'esbuild' || !args.includes(ENTRY)) {
    throw new Error(`.projen/tasks.json has no esbuild step for ${TASK}; run \`npx projen\``);
  }
  return args.slice(1);
}

/**
 * Build `entry` into .tmp/bench/<name>/index.js with the handler's flags, by default less its
 * `--define`s of globalThis.Headers & co. (see .projenrc.ts): the floor reads none of them, so its
 * bundle is the same either way, and @clerk/fastify needs them.
 */
export function build(name: string, entry: string, handlerDefines = false): Subject {
  const outfile = path.join(ROOT, '.tmp', 'bench', name, 'index.js');
  const args = bundleArgs().filter((a) => handlerDefines || !a.startsWith('--define:globalThis.')).map((a) => (a === ENTRY ? entry : a.startsWith('--outfile=') ? `--outfile=${outfile}` : a));
  const res = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'esbuild'), args, { cwd: ROOT, encoding: 'utf8' });
  if (res.status !== 0) {
    throw new Error(`esbuild ${entry} failed:\n${res.stderr}`);
  }
  return { name, bundle: outfile };
}

/**
 * The default handler as `npx projen bundle` built it, the two baselines, and example/fastify (the
 * same framework stack written as a deployed app: Drizzle over a pg pool from DATABASE_URL, the
 * Clerk secret key read at Init) built as the example builds itself, all built now.
 */
export function subjects(): Subject[] {
  const ours = path.join(ROOT, 'assets', 'handler', 'api.lambda', 'index.js');
  if (!fs.existsSync(ours)) {
    throw new Error('assets/handler/api.lambda/index.js is missing; run `npx projen bundle`');
  }
  return [
    { name: 'ours', bundle: ours },
    build('floor', 'test/bench/baselines/floor.ts'),
    build('fastify', 'test/bench/baselines/fastify.ts'),
    { name: 'example', bundle: path.join(buildFastifyExample(path.join(ROOT, '.tmp', 'bench', 'example')), 'index.js') },
  ];
}
