// The pure parts of the local stack: API Gateway's resource matching and throttling, the
// CloudFormation values it resolves, the throwaway CA, and the argument parser.
import { execFileSync } from 'child_process';
import { X509Certificate } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from './helpers';
import { resolveValue } from '../../src/local/assembly/intrinsics';
import { ApiResource } from '../../src/local/assembly/model';
import { parseOptions } from '../../src/local/commands/args';
import { makeCertificates } from '../../src/local/platform/tls';
import { matchRoute } from '../../src/local/services/api-gateway/router';
import { TokenBucket } from '../../src/local/services/api-gateway/throttle';
import { findPostgres } from '../../src/local/services/rds/binaries';

const lambdaMethod = { kind: 'lambda', ours: true, required: { headers: [], querystrings: [] } } as const;
const resources: ApiResource[] = [
  { path: '/', methods: { ANY: lambdaMethod } },
  { path: '/{proxy+}', methods: { ANY: lambdaMethod } },
  { path: '/items/{id}', methods: { GET: lambdaMethod } },
  { path: '/items/special', methods: { GET: lambdaMethod } },
];

test.each([
  ['GET', '/', '/', null],
  ['POST', '/health', '/{proxy+}', { proxy: 'health' }],
  ['GET', '/items/42', '/items/{id}', { id: '42' }],
  ['GET', '/items/special', '/items/special', null],
  ['DELETE', '/items/42', '/{proxy+}', { proxy: 'items/42' }],
  ['GET', '/a/b%2Fc', '/{proxy+}', { proxy: 'a/b/c' }],
])('%s %s matches %s', (method, p, resource, params) => {
  expect(matchRoute(resources, p, method)).toMatchObject({ resource: { path: resource }, pathParameters: params });
});

test('no resource, no method: no match (API Gateway answers 403 Missing Authentication Token)', () => {
  expect(matchRoute([{ path: '/items/{id}', methods: { GET: lambdaMethod } }], '/items/1', 'POST')).toBeUndefined();
  expect(matchRoute([{ path: '/items/{id}', methods: { GET: lambdaMethod } }], '/items', 'GET')).toBeUndefined();
});

test('the token bucket allows the burst at once, then the rate', async () => {
  const bucket = new TokenBucket(20, 3);
  expect([1, 2, 3, 4].map(() => bucket.take())).toEqual([true, true, true, false]);
  await new Promise((r) => setTimeout(r, 120));
  expect(bucket.take()).toBe(true);
});

test('CloudFormation values the local stack knows resolve; others stay unresolved', () => {
  const local = { refs: new Map([['AWS::Region', 'eu-west-1'], ['Secret', 'arn:local']]), attributes: new Map([['Proxy.Endpoint', '127.0.0.1']]) };
  expect(resolveValue({ 'Fn::Join': ['', ['https://', { Ref: 'AWS::Region' }, '.example']] }, local)).toBe('https://eu-west-1.example');
  expect(resolveValue({ 'Fn::Sub': '${AWS::Region}/${Proxy.Endpoint}/${!Literal}' }, local)).toBe('eu-west-1/127.0.0.1/${Literal}');
  expect(resolveValue({ 'Fn::GetAtt': ['Proxy', 'Endpoint'] }, local)).toBe('127.0.0.1');
  expect(resolveValue({ Ref: 'Secret' }, local)).toBe('arn:local');
  expect(resolveValue({ Ref: 'Bucket' }, local)).toBeUndefined();
  expect(resolveValue({ 'Fn::Join': ['', ['x', { Ref: 'Bucket' }]] }, local)).toBeUndefined();
  expect(resolveValue(5432, local)).toBe('5432');
});

test('the throwaway CA signs a server certificate that openssl and Node.js verify for every listen address', () => {
  const dir = tempDir('tls');
  try {
    const certs = makeCertificates(path.join(dir, 'tls'), ['10.20.0.5', 'db.local']);
    const ca = new X509Certificate(certs.caPem);
    const leaf = new X509Certificate(certs.certPem);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca) && leaf.verify(ca.publicKey)).toBe(true);
    expect(['127.0.0.1', '10.20.0.5', '::1'].map((ip) => leaf.checkIP(ip))).toEqual(['127.0.0.1', '10.20.0.5', '::1']);
    expect(leaf.checkHost('db.local')).toBe('db.local');
    expect(leaf.checkHost('evil.example')).toBeUndefined();
    expect(fs.statSync(certs.keyFile).mode % 0o1000).toBe(0o600);
    const out = execFileSync('openssl', ['verify', '-CAfile', certs.caFile, '-purpose', 'sslserver', certs.certFile], { encoding: 'utf8' });
    expect(out.trim()).toBe(`${certs.certFile}: OK`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// One random serial in 256 starts with a zero byte; encoded with it, OpenSSL refused the CA and
// every TLS connection of that run failed with "unable to verify the first certificate".
test.each([
  ['a zero byte', [0x00, 0x05]],
  ['zero bytes before a high bit', [0x00, 0x00, 0x80]],
  ['a high bit', [0x80]],
])('a serial number that starts with %s still makes certificates OpenSSL accepts', (_, head) => {
  const dir = tempDir('tls');
  try {
    const random = (size: number) => Buffer.concat([Buffer.from(head), Buffer.alloc(size - head.length, 0x11)]);
    const certs = makeCertificates(path.join(dir, 'tls'), [], random);
    const ca = new X509Certificate(certs.caPem);
    expect(new X509Certificate(certs.certPem).checkIssued(ca)).toBe(true);
    expect(BigInt('0x' + ca.serialNumber)).toBe(BigInt('0x' + random(16).toString('hex')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('options: values, repeated lists, flags, and errors that name the options', () => {
  expect(parseOptions('cmd', ['--port', '8080', '--env', 'A=1', '--env=B=2', '--name=x'], { port: 'integer', env: 'list', name: 'string' }))
    .toEqual({ port: 8080, env: ['A=1', 'B=2'], name: 'x' });
  expect(() => parseOptions('cmd', ['--port'], { port: 'integer' })).toThrow('cmd: --port needs a value');
  expect(() => parseOptions('cmd', ['serve'], { port: 'integer' })).toThrow('cmd: unknown argument serve (options: --port)');
});

// Debian/Ubuntu install the server off PATH, in /usr/lib/postgresql/<major>/bin; elsewhere there is
// no such install to find, so the test is skipped.
const debian = fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)) : [];
(debian.length > 0 ? test : test.skip)("the system's PostgreSQL is found where the distribution installs it, off PATH", () => {
  const saved = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    const found = findPostgres('auto', () => undefined);
    const newest = debian.sort((a, b) => Number(b) - Number(a))[0];
    expect(found).toMatchObject({ kind: 'system', binDir: `/usr/lib/postgresql/${newest}/bin` });
  } finally {
    process.env.PATH = saved;
  }
});
