import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

// The public API is what src/index.ts re-exports, directly or through a folder's index.ts; every
// optional struct property there must say what happens when it is left out.
const SRC = path.join(__dirname, '..', 'src');

function reExports(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n')
    .map(line => /^export \* from '\.\/(.+)'/.exec(line)?.[1])
    .filter((m): m is string => !!m)
    .map(m => path.join(path.dirname(file), m))
    .map(m => (fs.existsSync(`${m}.ts`) ? `${m}.ts` : path.join(m, 'index.ts')));
}

function publicFiles(file: string): string[] {
  return [file, ...reExports(file).flatMap(publicFiles)];
}

const publicModules = publicFiles(path.join(SRC, 'index.ts')).slice(1).map(f => path.relative(SRC, f));

function optionalPropertiesWithoutDefault(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const missing: string[] = [];
  source.forEachChild(node => {
    if (!ts.isInterfaceDeclaration(node) || /^I[A-Z]/.test(node.name.text)) return;
    for (const member of node.members) {
      if (!ts.isPropertySignature(member) || !member.questionToken) continue;
      const tags = ts.getJSDocTags(member).map(t => t.tagName.text);
      if (!tags.includes('default')) missing.push(`${node.name.text}.${(member.name as ts.Identifier).text}`);
    }
  });
  return missing;
}

test('the public API has modules to check', () => {
  expect(publicModules).toEqual(expect.arrayContaining([
    'secure-lambda-postgres.ts', 'network.ts', 'database/index.ts', 'database/options.ts', 'function.ts', 'endpoints.ts', 'bastion.ts',
  ]));
});

test.each(publicModules)('every optional prop in %s documents its @default', module => {
  expect(optionalPropertiesWithoutDefault(path.join(SRC, module))).toEqual([]);
});

test('the generated function construct stays internal', () => {
  expect(fs.readFileSync(path.join(SRC, 'index.ts'), 'utf8')).not.toMatch(/-function'/);
});
