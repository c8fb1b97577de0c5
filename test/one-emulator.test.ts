import * as fs from 'fs';
import * as path from 'path';

/**
 * The test harness and the benchmarks start PostgreSQL, PgBouncer, Secrets Manager and function
 * containers through the launchers `local` ships (src/local/services), so what the tests prove is
 * what users run. A second launcher shows up as one of these: PostgreSQL's programs run with
 * arguments, a PgBouncer configuration, or a Node.js child process with an IPC channel (a function runtime).
 */
const LAUNCHER = /\b(pg_ctl|pg_ctlcluster|initdb|postgres)'\)?,\s*\[|pgbouncer\.ini|\bfork\(|'ipc'/;
const ROOT = path.resolve(__dirname, '..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' || e.name.endsWith('.snapshot') ? [] : sources(full);
    return /\.(ts|js|cjs|mjs)$/.test(e.name) && full !== __filename ? [full] : [];
  });
}

test('no launcher of PostgreSQL, PgBouncer or function containers outside src/local', () => {
  const files = [...sources(path.join(ROOT, 'test')), ...sources(path.join(ROOT, 'scripts'))];
  expect(files.length).toBeGreaterThan(50);
  const found = files.flatMap((file) => fs.readFileSync(file, 'utf8').split('\n')
    .map((line, i) => ({ where: `${path.relative(ROOT, file)}:${i + 1}`, line }))
    .filter(({ line }) => LAUNCHER.test(line) && !/^\s*(\/\/|\*)/.test(line))
    .map(({ where, line }) => `${where}: ${line.trim()}`));
  expect(found).toEqual([]);
});

test('the launcher pattern finds the launchers the harness used to have', () => {
  for (const line of ["run(path.join(this.binDir, 'pg_ctl'), ['-D', dir, 'start'])", "spawnSync(path.join(bin, 'initdb'), ['-D', dir])", "fs.writeFileSync(path.join(dir, 'pgbouncer.ini'), config)", "const child = fork(path.join(__dirname, 'lambda-shim.js'))"]) {
    expect(line).toMatch(LAUNCHER);
  }
});
