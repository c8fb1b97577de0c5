// `local rehearse`: the shipped command takes two synths of an app through deploy and rollback on
// this machine (real PostgreSQL, the default handler, the deploy-time migration runner).
import * as fs from 'fs';
import * as path from 'path';
import { AssetStaging } from 'aws-cdk-lib';
import { runCli, synthApp, tempDir } from './helpers';
import { Migrations, SecureLambdaPostgresProps } from '../../src';

jest.setTimeout(240_000);

const ENGINE = ['--postgres', 'embedded', '--proxy', 'none'];
const OLD_FILES = {
  '0001_notes.sql': 'CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);\n',
  '0002_welcome.sql': "INSERT INTO notes (body) VALUES ('welcome');\n",
};

let root: string;
beforeAll(() => (root = tempDir('rehearse')));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Synthesize the app with these migration files (and props) into `<root>/<name>/cdk.out`. */
function synth(name: string, files: Record<string, string>, props: SecureLambdaPostgresProps = {}): string {
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, 'migrations'), { recursive: true });
  for (const [file, sql] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'migrations', file), sql);
  AssetStaging.clearAssetHashCache();
  return synthApp(path.join(dir, 'cdk.out'), { migrations: Migrations.fromDirectory(path.join(dir, 'migrations')), ...props });
}

/** The row of a step: `name  PASS|FAIL  detail`. */
const row = (stdout: string, name: string) => new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} +(PASS|FAIL) +(.*)$`, 'm').exec(stdout);

test('deploy and rollback: every step passes, the marker and OLD\'s data survive, nothing is left behind', async () => {
  const old = synth('old', OLD_FILES);
  const next = synth('new', { ...OLD_FILES, '0003_archive.sql': 'ALTER TABLE notes ADD COLUMN archived boolean NOT NULL DEFAULT false;\nCREATE TABLE tags (id serial PRIMARY KEY, name text NOT NULL);\n' });
  const started = Date.now();
  const run = await runCli(['local', 'rehearse', '--from', old, '--assembly', next, ...ENGINE]);
  const seconds = (Date.now() - started) / 1000;
  console.log(`local rehearse end to end: ${seconds.toFixed(1)} s wall time`);
  const lines = run.stdout.trim().split('\n');
  expect({ code: run.code, last: lines[lines.length - 1], stderr: run.stderr }).toEqual({ code: 0, last: expect.stringMatching(/^(\d+) passed, 0 failed$/), stderr: '' });
  expect(Number(/^(\d+) passed/.exec(lines[lines.length - 1])![1])).toBe(24);
  expect(row(run.stdout, 'template: no stateful resource replaced or removed')?.[2]).toMatch(/^\d+ stateful resources compared; create-only properties from @aws-cdk\/aws-service-spec \d/);
  expect(row(run.stdout, 'old: marker row written as the owner into slp_rehearsal_marker')?.[2])
    .toBe('as app_owner into app.slp_rehearsal_marker; OLD\'s data: 1 tables (notes), 1 rows');
  expect(row(run.stdout, 'new: migrations (before the code, as the trigger runs them)')?.[2]).toMatch(/migrations: 1 applied, 2 already applied/);
  // OLD's migration function meets 0003, which it does not know: the rollback goes through.
  expect(row(run.stdout, 'rollback: OLD\'s migrations against the newer database')?.slice(1)).toEqual([
    'PASS', expect.stringMatching(/migrations: 0 applied, 2 already applied .*; migrations: 0003_archive\.sql applied by a newer version, left as they are/),
  ]);
  for (const phase of ['new', 'rollback']) expect(row(run.stdout, `${phase}: marker row and OLD's data intact`)?.slice(1)).toEqual(['PASS', 'nothing lost']);
  for (const phase of ['old', 'new', 'rollback']) expect(row(run.stdout, `${phase}: GET /prod/health`)?.[1]).toBe('PASS');
  expect(row(run.stdout, 'cleanup: slp_rehearsal_marker dropped')?.[1]).toBe('PASS');
  expect(run.leftovers).toEqual([]);
  expect(run.leftoverFiles).toEqual([]);
});

test('a NEW whose migration drops a column OLD\'s code and data have fails the rehearsal, naming it', async () => {
  const old = synth('old-drop', OLD_FILES);
  const next = synth('new-drop', { ...OLD_FILES, '0003_drop.sql': 'ALTER TABLE notes DROP COLUMN body;\n' });
  const run = await runCli(['local', 'rehearse', '--from', old, '--assembly', next, ...ENGINE]);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/^\d+ passed, 2 failed$/m);
  for (const phase of ['new', 'rollback']) expect(row(run.stdout, `${phase}: marker row and OLD's data intact`)?.slice(1)).toEqual(['FAIL', 'lost: column notes.body']);
  expect(run.leftovers).toEqual([]);
});

test('a NEW whose migration fails is not served; the rollback to OLD goes through', async () => {
  const old = synth('old-broken', OLD_FILES);
  const next = synth('new-broken', { ...OLD_FILES, '0003_broken.sql': 'ALTER TABLE notes ADD COLUMN archived boolean;\nUPDATE notes SET archived = flase;\n' });
  const run = await runCli(['local', 'rehearse', '--from', old, '--assembly', next, ...ENGINE]);
  expect(run.code).toBe(1);
  expect(run.stdout.trim().split('\n').pop()).toBe('17 passed, 1 failed');
  expect(row(run.stdout, 'new: migrations (before the code, as the trigger runs them)')?.slice(1)).toEqual([
    'FAIL', expect.stringMatching(/^migrations: Migration 0003_broken\.sql failed at line 2: column "flase" does not exist \(SQLSTATE 42703\)\. It was rolled back/),
  ]);
  expect(run.stdout).not.toMatch(/^new: (GET|invoke|code)/m);
  for (const name of ['new: marker row and OLD\'s data intact', 'rollback: OLD\'s migrations against the newer database', 'rollback: GET /prod/health']) {
    expect(row(run.stdout, name)?.[1]).toBe('PASS');
  }
  expect(run.leftovers).toEqual([]);
});

test('a NEW that replaces the database instance fails before anything starts, naming the resource and the property', async () => {
  const old = synth('old-name', OLD_FILES);
  const next = synth('new-name', OLD_FILES, { databaseName: 'orders' });
  const run = await runCli(['local', 'rehearse', '--from', old, '--assembly', next, ...ENGINE]);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/^template: LocalTest\/BackendDatabase\w+ replaced +FAIL +LocalTest\/BackendDatabase\w+ \(AWS::RDS::DBInstance, [^)]+\): replaced: create-only DBName changed$/m);
  expect(run.stdout).toMatch(/^not rehearsed: NEW replaces or removes a stateful resource/m);
  expect(run.stdout.trim().split('\n').pop()).toBe('0 passed, 1 failed');
  expect(run.stdout).not.toMatch(/^PostgreSQL /m);
});

test.each([
  [[], /^secure-lambda-postgres: local rehearse: --from OLD_ASSEMBLY is required: /],
  [['--from'], /^secure-lambda-postgres: local rehearse: --from needs a value$/],
  [['--from', '/nonexistent/cdk.out'], /^secure-lambda-postgres: no cloud assembly: \/nonexistent\/cdk\.out does not exist; /],
  [['--from', '.', '--assembly', '.'], /^secure-lambda-postgres: local rehearse: --from and --assembly are both /],
])('bad arguments %j: one line, exit 2', async (args, message) => {
  const run = await runCli(['local', 'rehearse', ...args]);
  expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
  expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
});
