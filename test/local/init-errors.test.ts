// Errors in the function's own bundle during Init, as the Lambda Node.js runtime reports them
// (aws-lambda-nodejs-runtime-interface-client, src/function/module-loader.ts and src/utils/errors.ts):
// a module missing from the bundle is `Runtime.ImportModuleError` with the error's text
// ("Error: Cannot find module 'x'\nRequire stack:\n- ..."), a syntax error
// `Runtime.UserCodeSyntaxError`, anything else thrown at init keeps its own name and message.
// And a function whose Init fails leaves the other functions' containers serving.
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from './helpers';
import { workerScript } from '../../src/local/platform/assets';
import { loopback } from '../../src/local/platform/placement';
import { FunctionPool, Invocation } from '../../src/local/services/lambda/pool';
import { ensureBundle } from '../harness/bundle';

jest.setTimeout(30_000);

let root: string;
const pools: FunctionPool[] = [];

beforeAll(() => {
  ensureBundle();
  root = tempDir('init-errors');
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.stop()));
  fs.rmSync(root, { recursive: true, force: true });
});

/** A function whose code directory holds `files`, handler `index.handler` unless given. */
function fn(name: string, files: Record<string, string>, handler = 'index.handler'): { pool: FunctionPool; dir: string } {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  const pool = new FunctionPool({
    workerScript: workerScript(),
    placement: loopback('application'),
    timeoutMs: 5000,
    maxContainers: 1,
    environment: { PATH: process.env.PATH!, LAMBDA_TASK_ROOT: dir, _HANDLER: handler },
  });
  pools.push(pool);
  return { pool, dir };
}

const failure = (r: Invocation) => (r.ok ? { ok: true } : { errorType: r.errorType, errorMessage: r.errorMessage });

test('a module missing from the bundle: Runtime.ImportModuleError with Node\'s text and require stack', async () => {
  const { pool, dir } = fn('missing-dep', { 'index.js': "const x = require('left-out-of-the-bundle');\nexports.handler = async () => x;\n" });
  const r = failure(await pool.invoke({}, 'req-1'));
  expect(r.errorType).toBe('Runtime.ImportModuleError');
  expect(r.errorMessage).toMatch(new RegExp(`^Error: Cannot find module 'left-out-of-the-bundle'\\nRequire stack:\\n- ${path.join(dir, 'index.js').replace(/[.]/g, '\\.')}`));
});

test('no handler module at all: Runtime.ImportModuleError in the same format', async () => {
  const { pool } = fn('no-module', { 'other.js': 'exports.handler = async () => 1;\n' });
  const r = failure(await pool.invoke({}, 'req-2'));
  expect(r.errorType).toBe('Runtime.ImportModuleError');
  expect(r.errorMessage).toMatch(/^Error: Cannot find module 'index'\nRequire stack:\n- /);
});

test('a crash at init keeps its own error type and message (not a syntax error)', async () => {
  const { pool } = fn('crash', { 'index.js': "throw new TypeError('CLERK_SECRET_KEY is missing');\n" });
  expect(failure(await pool.invoke({}, 'req-3'))).toEqual({ errorType: 'TypeError', errorMessage: 'CLERK_SECRET_KEY is missing' });
  const plain = fn('crash-plain', { 'index.js': "throw new Error('boom at init');\n" });
  expect(failure(await plain.pool.invoke({}, 'req-4'))).toEqual({ errorType: 'Error', errorMessage: 'boom at init' });
});

test('a syntax error: Runtime.UserCodeSyntaxError with the SyntaxError\'s text', async () => {
  const { pool } = fn('syntax', { 'index.js': 'exports.handler = async () => {;\n' });
  const r = failure(await pool.invoke({}, 'req-5'));
  expect(r.errorType).toBe('Runtime.UserCodeSyntaxError');
  expect(r.errorMessage).toMatch(/^SyntaxError: /);
});

test('a handler that is not exported: Runtime.HandlerNotFound', async () => {
  const { pool } = fn('not-exported', { 'index.js': 'exports.other = async () => 1;\n' });
  expect(failure(await pool.invoke({}, 'req-6'))).toEqual({ errorType: 'Runtime.HandlerNotFound', errorMessage: 'index.handler is undefined or not exported' });
});

test('a function that fails its Init fails again on the next invocation, while another function keeps serving', async () => {
  const broken = fn('broken', { 'index.js': "require('./missing-chunk');\n" });
  const healthy = fn('healthy', { 'index.js': 'exports.handler = async () => ({ pid: process.pid });\n' });
  const first = await healthy.pool.invoke({}, 'req-7');
  for (let i = 0; i < 2; i++) {
    expect(failure(await broken.pool.invoke({}, `req-b${i}`)).errorType).toBe('Runtime.ImportModuleError');
    const again = await healthy.pool.invoke({}, `req-h${i}`);
    expect(again).toMatchObject({ ok: true, payload: first.ok ? first.payload : 'first failed' });
  }
});
