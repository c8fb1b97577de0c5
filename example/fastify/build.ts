// Bundles the app with esbuild into one file, the function's code asset: CommonJS, minified,
// the AWS SDK left to the Lambda runtime, as the library bundles its default handler.
import * as path from 'path';
import { buildSync } from 'esbuild';

/** Build example/fastify/src/handler.ts into `outdir/index.js` (handler `index.handler`); returns `outdir`. */
export function buildFastifyExample(outdir: string = path.join(__dirname, 'dist')): string {
  buildSync({
    entryPoints: [path.join(__dirname, 'src', 'handler.ts')],
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
