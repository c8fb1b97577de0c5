import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

// jsii-rosetta compiles the README's ```ts examples (the jsii API, in every language). The custom
// handler example is TypeScript-only (```mts, the runtime helpers are not part of the jsii API),
// so it is type-checked here against the sources of `secure-lambda-postgres/lib/runtime`.
const ROOT = path.join(__dirname, '..');

test('the README custom-handler example compiles against the runtime helpers', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```mts\n([\s\S]*?)```/g)].map(m => m[1]);
  expect(blocks).toHaveLength(1);
  expect(blocks[0]).toContain("from 'secure-lambda-postgres/lib/runtime'");

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-example-'));
  const file = path.join(dir, 'handler.ts');
  fs.writeFileSync(file, blocks[0].replace("'secure-lambda-postgres/lib/runtime'", JSON.stringify(path.join(ROOT, 'src', 'runtime'))));
  try {
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      skipLibCheck: true,
      esModuleInterop: true,
      types: ['node'],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map(d => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
