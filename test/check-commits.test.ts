/**
 * scripts/check-commits.sh, in a clone of this repository: the commits after the base must follow
 * Conventional Commits; the base and what came before it are grandfathered; merges are skipped.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const SCRIPT = path.join(ROOT, 'scripts', 'check-commits.sh');
const IDENTITY = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };

let dir: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: { ...process.env, ...IDENTITY }, encoding: 'utf8' });
const check = (cwd = dir) => spawnSync('bash', [SCRIPT], { cwd, encoding: 'utf8' });
const commit = (subject: string) => git('commit', '--quiet', '--allow-empty', '-m', subject);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-commits-'));
  execFileSync('git', ['clone', '--quiet', ROOT, dir]);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('conventional subjects after the base pass; the 94 commits before it are not read', () => {
  commit('feat(cost): price traffic');
  commit('fix: one more');
  commit('docs!: a breaking note');
  const result = check();
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/^check-commits: \d+ commits after cac2774 follow Conventional Commits$/m);
});

test('a subject without a type fails, named with its hash; exit 1', () => {
  commit('feat(cost): price traffic');
  commit('Tidy: the cost command');
  commit('feat:missing space');
  const result = check();
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/^[0-9a-f]+ Tidy: the cost command$/m);
  expect(result.stderr).toMatch(/^[0-9a-f]+ feat:missing space$/m);
  expect(result.stderr).not.toMatch(/price traffic/);
});

test('merge commits are skipped', () => {
  git('checkout', '--quiet', '-b', 'side');
  commit('test: on a side branch');
  git('checkout', '--quiet', '-');
  commit('chore: on the main line');
  git('merge', '--quiet', '--no-ff', '-m', "Merge branch 'side'", 'side');
  expect(check().status).toBe(0);
});

test('a shallow clone without the base: one line saying what to do, exit 2', () => {
  const shallow = fs.mkdtempSync(path.join(os.tmpdir(), 'check-commits-shallow-'));
  try {
    execFileSync('git', ['clone', '--quiet', '--depth', '1', `file://${dir}`, shallow]);
    const result = check(shallow);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toMatch(/^check-commits: the base commit cac2774 is not in the history of HEAD \(a shallow clone\? run: git fetch --unshallow\)$/);
  } finally {
    fs.rmSync(shallow, { recursive: true, force: true });
  }
});
