// Zip-file code assets (lambda.Code.fromAsset('x.zip')): extracted once into the local cache with
// the archive's Unix modes (a bootstrap stays executable) and links, never outside their directory.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from './helpers';
import { extractZip } from '../../src/local/platform/zip';
import { codeDirectory } from '../../src/local/services/lambda/code';

let root: string;
beforeEach(() => {
  root = tempDir('zip');
  process.env.XDG_CACHE_HOME = path.join(root, 'cache');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function archive(): string {
  const src = path.join(root, 'src');
  fs.mkdirSync(path.join(src, 'lib'), { recursive: true });
  fs.writeFileSync(path.join(src, 'bootstrap'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  fs.writeFileSync(path.join(src, 'lib', 'data.txt'), 'x'.repeat(10_000), { mode: 0o640 });
  fs.symlinkSync('lib/data.txt', path.join(src, 'link'));
  const zip = path.join(root, 'code.zip');
  // -y: links stored as links, as CDK's staging keeps them.
  execFileSync('zip', ['-q', '-r', '-y', zip, '.'], { cwd: src });
  return zip;
}

test('entries keep their modes, contents (deflated) and symbolic links', () => {
  const out = path.join(root, 'out');
  extractZip(archive(), out);
  expect(fs.statSync(path.join(out, 'bootstrap')).mode % 0o1000).toBe(0o755);
  expect(fs.statSync(path.join(out, 'lib', 'data.txt')).mode % 0o1000).toBe(0o640);
  expect(fs.readFileSync(path.join(out, 'lib', 'data.txt'), 'utf8')).toBe('x'.repeat(10_000));
  expect(fs.readlinkSync(path.join(out, 'link'))).toBe('lib/data.txt');
});

test('an entry that would land outside the directory is refused', () => {
  const zip = path.join(root, 'evil.zip');
  execFileSync('python3', ['-c', `import zipfile\nwith zipfile.ZipFile(${JSON.stringify(zip)}, "w") as z: z.writestr("../evil.txt", "x")`]);
  expect(() => extractZip(zip, path.join(root, 'out'))).toThrow('../evil.txt: a zip entry outside the archive\'s directory');
  expect(fs.existsSync(path.join(root, 'evil.txt'))).toBe(false);
});

test('a zip asset is extracted once into the cache, by its content', () => {
  const zip = archive();
  const fn = { logicalId: 'Fn', handler: 'x', runtime: 'provided.al2023', timeoutSeconds: 3, memoryMb: 128, environment: {}, code: { zip } };
  const dir = codeDirectory(fn, root);
  expect(dir.startsWith(path.join(root, 'cache', 'secure-lambda-postgres', 'lambda-code'))).toBe(true);
  expect(fs.statSync(path.join(dir, 'bootstrap')).mode % 0o1000).toBe(0o755);
  fs.writeFileSync(path.join(dir, 'marker'), '');
  expect(codeDirectory(fn, root)).toBe(dir);
  expect(fs.existsSync(path.join(dir, 'marker'))).toBe(true);
});
