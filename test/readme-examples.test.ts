import { execFileSync } from 'child_process';
import { generateKeyPairSync } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

// jsii-rosetta compiles the README's ```ts examples (the jsii API, in every language). The custom
// handler example is TypeScript-only (```mts: the runtime helpers are not part of the jsii API), so
// it is checked here as a consumer meets it: against the packed tarball installed in a temporary
// project, type-checked as an ES module under NodeNext, then imported by Node's ESM loader.
const ROOT = path.join(__dirname, '..');
const NAME = 'secure-lambda-postgres';

function newestMtime(dir: string, ext: string): number {
  return Math.max(...fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter(f => f.endsWith(ext)).map(f => fs.statSync(path.join(dir, f)).mtimeMs));
}

/** A consumer project: the tarball `npm pack` makes, unpacked as npm installs it, beside our dependencies. */
function installConsumer(dir: string): void {
  if (!fs.existsSync(path.join(ROOT, 'lib', 'runtime', 'index.js')) || newestMtime(path.join(ROOT, 'lib'), '.js') < newestMtime(path.join(ROOT, 'src'), '.ts')) {
    throw new Error('lib/ is missing or older than src/: run `npx projen compile` first (`npx projen build` does).');
  }
  const modules = path.join(dir, 'node_modules');
  fs.mkdirSync(modules);
  for (const entry of fs.readdirSync(path.join(ROOT, 'node_modules'))) {
    if (entry !== '.bin' && entry !== NAME) fs.symlinkSync(path.join(ROOT, 'node_modules', entry), path.join(modules, entry));
  }
  const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
  fs.mkdirSync(path.join(modules, NAME));
  execFileSync('tar', ['-xzf', path.join(dir, tarball), '-C', path.join(modules, NAME), '--strip-components=1']);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
}

describe('the README custom-handler example, as a consumer runs it', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```mts\n([\s\S]*?)```/g)].map(m => m[1]);
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-consumer-'));
    installConsumer(dir);
  }, 60_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('is one block importing the runtime subpath', () => {
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toContain(`from '${NAME}/lib/runtime'`);
  });

  test('type-checks as .mts under NodeNext and noUncheckedIndexedAccess', () => {
    const file = path.join(dir, 'handler.mts');
    fs.writeFileSync(file, blocks[0]);
    const program = ts.createProgram([file], {
      strict: true,
      noUncheckedIndexedAccess: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ['node'],
      // As `tsc --init` writes it: dependencies' declaration files are theirs to check.
      skipLibCheck: true,
      outDir: dir,
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map(d => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
    expect(program.emit().emitSkipped).toBe(false);
  });

  test("loads in Node's ESM loader and answers a request without a token with 401 missing-token", () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const run = "const { handler } = await import('./handler.mjs'); console.log(JSON.stringify(await handler({})));";
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', run], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, DB_HOST: 'proxy.example.internal', DB_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db', CLERK_JWT_KEY: pem },
    });
    const response = JSON.parse(out.trim().split('\n').pop()!);
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body)).toEqual({ error: 'unauthorized', reason: 'missing-token' });
  });

  test('CommonJS require keeps working for the root and the runtime subpath, long and short', () => {
    const run = `const r = require('${NAME}/lib/runtime'); const short = require('${NAME}/runtime'); const root = require('${NAME}');`
      + " console.log(typeof r.Database.fromEnv, short === r, typeof root.SecureLambdaPostgres, require('secure-lambda-postgres/package.json').name);";
    const out = execFileSync(process.execPath, ['-e', run], { cwd: dir, encoding: 'utf8' });
    expect(out.trim()).toBe(`function true function ${NAME}`);
  });
});
