import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

// The package exports neither its bin nor its package.json: found beside its main entry point.
const BIN = path.join(path.dirname(require.resolve('drizzle-kit')), 'bin.cjs');
const SCHEMAS = path.join(__dirname, '..', 'fixtures', 'drizzle');

/**
 * Run the real `drizzle-kit generate` (offline: it diffs a schema file against the snapshots in
 * `out`) once per schema, in order, so that `out` holds a migration per version of the schema.
 * The schema files live in the repository, where drizzle-kit resolves `drizzle-orm`.
 */
export function drizzleKitGenerate(out: string, versions: ReadonlyArray<{ schema: string; name: string }>): void {
  versions.forEach(({ schema, name }, i) => {
    // drizzle-kit 0.31 reads an absolute `out` as relative to the working directory.
    const output = execFileSync(process.execPath, [BIN, 'generate', '--dialect', 'postgresql', '--schema', path.join(SCHEMAS, schema), '--out', path.basename(out), '--name', name], {
      cwd: path.dirname(out),
      encoding: 'utf8',
      stdio: 'pipe',
      timeout: 60_000,
    });
    // It exits 0 after an error too: what it wrote is the test.
    const journal = path.join(out, 'meta', '_journal.json');
    const entries = fs.existsSync(journal) ? (JSON.parse(fs.readFileSync(journal, 'utf8')) as { entries: unknown[] }).entries.length : 0;
    if (entries !== i + 1) throw new Error(`drizzle-kit generate ${schema} wrote no migration ${i}:\n${output}`);
  });
}
