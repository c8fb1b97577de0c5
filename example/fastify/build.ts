// Bundles the app with esbuild into one file, the function's code asset: CommonJS, minified,
// the AWS SDK left to the Lambda runtime, as the library bundles its default handler.
import { execFileSync } from 'child_process';
import * as path from 'path';
import { buildSync } from 'esbuild';

/** Which ORM the app queries with. */
export type ExampleOrm = 'drizzle' | 'prisma';

/**
 * `prisma generate` for the Prisma variant. Prisma 7's CLI downloads the schema engine from
 * binaries.prisma.sh before any command, although generating does not run it; pointing
 * PRISMA_SCHEMA_ENGINE_BINARY at an existing file skips the download (no internet here). The
 * generated client itself needs no engine.
 */
function generatePrismaClient(): void {
  const root = path.resolve(__dirname, '..', '..');
  execFileSync(path.join(root, 'node_modules', '.bin', 'prisma'), ['generate', '--schema', path.join(__dirname, 'prisma', 'schema.prisma')], {
    cwd: root,
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    stdio: 'pipe',
  });
}

/** Build the app into `outdir/index.js` (handler `index.handler`); returns `outdir`. */
export function buildFastifyExample(outdir: string = path.join(__dirname, 'dist'), orm: ExampleOrm = 'drizzle'): string {
  if (orm === 'prisma') {
    generatePrismaClient();
  }
  buildSync({
    entryPoints: [path.join(__dirname, 'src', orm === 'prisma' ? 'handler-prisma.ts' : 'handler.ts')],
    outfile: path.join(outdir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    minify: true,
    external: ['@aws-sdk/*', 'pg-native'],
    logLevel: 'error',
  });
  return outdir;
}
