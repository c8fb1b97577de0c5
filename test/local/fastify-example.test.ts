// example/fastify — fastify + @clerk/fastify + Drizzle (or Prisma) over pg reading DATABASE_URL, bundled by
// esbuild into its code asset and passed as functionCode — synthesized as a user would
// (`npx projen example:fastify`), then `local verify --faults`: test case 1 through the health
// route, the Clerk-protected route with a local and a forged token, the faults and a password
// rotation that a warm container recovers from.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CliRun, tempDir } from './helpers';
import { REPO_ROOT } from '../harness/bundle';
import { pgbouncerUnavailable } from '../harness/stack';

jest.setTimeout(180_000);

const skip = pgbouncerUnavailable();
const maybe = skip ? test.skip : test;

describe.each(['drizzle', 'prisma'])('with %s', (orm) => {
  let out: string;

  beforeAll(() => {
    if (skip) return;
    out = path.join(tempDir(`fastify-${orm}`), 'cdk.out');
    execFileSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--project', 'tsconfig.dev.json', 'example/fastify/app.ts'], {
      cwd: REPO_ROOT, env: { ...process.env, CDK_OUTDIR: out, EXAMPLE_ORM: orm }, stdio: 'pipe',
    });
  }, 120_000);
  afterAll(() => out && fs.rmSync(path.dirname(out), { recursive: true, force: true }));

  maybe(`local verify --faults passes on the fastify example${skip ? ` (skipped: ${skip})` : ''}`, async () => {
    const run = CliRun.start(['local', 'verify', '--faults', '--assembly', out]);
    try {
      const { code } = await run.exited;
      const rows = run.stdout.split('\n').filter((line) => / (PASS|FAIL) /.test(line));
      expect({ code, failed: rows.filter((r) => / FAIL /.test(r)) }).toEqual({ code: 0, failed: [] });
      for (const check of [
        /^invoke \{\} \(test case 1: SELECT NOW\(\) through the proxy\)\s+PASS\s+200 \{"status":"ok","now":/,
        /^GET \/prod\/health\s+PASS\s+200/,
        /^GET \/prod\/me without a token\s+PASS\s+401 \{"error":"unauthorized","reason":"missing-token"\}/,
        /^GET \/prod\/me with a local token\s+PASS\s+200 \{"userId":"user_local_verify","now":/,
        /^GET \/prod\/me with a forged token\s+PASS\s+401/,
        /^fault: the app role's password rotated in PostgreSQL, then in Secrets Manager → 200 again, no restart\s+PASS/,
      ]) {
        expect(rows.find((r) => check.test(r)) ?? rows).toMatch(check);
      }
      // The keys @clerk/fastify insists on were supplied locally, and said so.
      expect(run.stdout).toMatch(/^ {2}env CLERK_PUBLISHABLE_KEY, CLERK_SECRET_KEY: not in the template, set to local placeholders/m);
    } finally {
      await run.cleanup();
    }
  });
});
