// The local stack applies another tool's migrations as it applies SQL files: `local verify` on an
// app synthesized with Migrations.fromPrisma / fromDrizzle (folders the real drizzle-kit generates).
import * as fs from 'fs';
import * as path from 'path';
import { runCli, synthApp, tempDir } from './helpers';
import { Migrations } from '../../src';
import { drizzleKitGenerate } from '../migrations/drizzle-kit';
import { allowExistingSchema, withBrokenDrizzleMigration } from '../migrations/tools';

jest.setTimeout(120_000);

const PRISMA = path.join(__dirname, '..', 'fixtures', 'prisma', 'migrations');
let root: string;
let drizzle: string;

beforeAll(() => {
  root = tempDir('tool-migrations');
  drizzle = path.join(root, 'drizzle');
  drizzleKitGenerate(drizzle, [{ schema: 'schema-1.ts', name: 'init' }, { schema: 'schema-2.ts', name: 'roles' }]);
  allowExistingSchema(drizzle);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const verify = (name: string, migrations: Migrations) =>
  runCli(['local', 'verify', '--assembly', synthApp(path.join(root, name, 'cdk.out'), { migrations }), '--postgres', 'embedded', '--proxy', 'none']);

test.each([
  ['a Prisma folder', 'prisma', () => Migrations.fromPrisma(PRISMA)],
  ['a drizzle-kit folder', 'drizzle-app', () => Migrations.fromDrizzle(drizzle)],
])('local verify applies %s and passes', async (_what, name, migrations) => {
  const { code, stdout, leftovers } = await verify(name, migrations());
  expect({ code, last: stdout.trim().split('\n').pop() }).toEqual({ code: 0, last: '6 passed, 0 failed' });
  expect(stdout).toMatch(/^ {2}migrations: 2 applied, 0 already applied/m);
  expect(leftovers).toEqual([]);
});

test("a failing statement stops the local stack with the tool's file and line", async () => {
  const { code, stderr } = await verify('broken', Migrations.fromDrizzle(withBrokenDrizzleMigration(root, drizzle)));
  expect({ code, lines: stderr.trim().split('\n') }).toEqual({
    code: 2,
    lines: [expect.stringMatching(/^secure-lambda-postgres: migrations: Migration 0002_broken\.sql failed at line 2: column "nope" does not exist/)],
  });
});
