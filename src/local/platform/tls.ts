/* eslint-disable no-bitwise */ // DER encodes lengths, object ids and key usages bit by bit.
import { createHash, generateKeyPairSync, KeyObject, randomBytes, sign } from 'crypto';
import * as fs from 'fs';
import { isIP } from 'net';
import * as path from 'path';

/** A throwaway CA and one server certificate it signed, as PEM files in a directory. */
export interface Certificates {
  /** What clients trust (`NODE_EXTRA_CA_CERTS`, PgBouncer's `server_tls_ca_file`). */
  readonly caFile: string;
  readonly certFile: string;
  /** The server key (PKCS#8, mode 0600). */
  readonly keyFile: string;
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

// DER, just enough of X.509 for a P-256 CA and a server certificate (no openssl needed).
const der = (tag: number, content: Buffer): Buffer => {
  const n = content.length;
  const length = n < 0x80 ? Buffer.from([n]) : (() => {
    const bytes = Buffer.from(n.toString(16).padStart(n > 0xff ? 4 : 2, '0'), 'hex');
    return Buffer.concat([Buffer.from([0x80 | bytes.length]), bytes]);
  })();
  return Buffer.concat([Buffer.from([tag]), length, content]);
};
const seq = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
const oid = (dotted: string): Buffer => {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = n >>> 7; v > 0; v >>>= 7) chunk.unshift(0x80 | (v & 0x7f));
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
};
// DER integers are minimal: OpenSSL refuses a certificate whose serial has a padding zero byte.
const integer = (bytes: Buffer) => {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const minimal = bytes.subarray(start);
  return der(0x02, minimal[0] & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
};
const bits = (bytes: Buffer, unused = 0) => der(0x03, Buffer.concat([Buffer.from([unused]), bytes]));
const octets = (bytes: Buffer) => der(0x04, bytes);
const utcTime = (d: Date) => der(0x17, Buffer.from(d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'));
const name = (cn: string) => seq(der(0x31, seq(oid('2.5.4.3'), der(0x0c, Buffer.from(cn)))));
const extension = (id: string, critical: boolean, value: Buffer) =>
  seq(oid(id), ...(critical ? [der(0x01, Buffer.from([0xff]))] : []), octets(value));
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

function keyId(publicKey: KeyObject): Buffer {
  return createHash('sha1').update(publicKey.export({ type: 'spki', format: 'der' })).digest();
}

type Random = (size: number) => Buffer;

function certificate(subject: string, publicKey: KeyObject, issuer: string, issuerKey: KeyObject, extensions: Buffer[], random: Random): string {
  const now = Date.now();
  const tbs = seq(
    der(0xa0, integer(Buffer.from([2]))),
    integer(random(16)),
    ECDSA_SHA256,
    name(issuer),
    seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 30 * 86400_000))),
    name(subject),
    publicKey.export({ type: 'spki', format: 'der' }),
    der(0xa3, seq(...extensions)),
  );
  const signature = sign('sha256', tbs, issuerKey);
  const body = seq(tbs, ECDSA_SHA256, bits(signature)).toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

/**
 * A new CA (valid 30 days, never reused) and a server certificate for `localhost`, 127.0.0.1, ::1
 * and the given extra host names or addresses (the addresses servers listen on when placed in
 * network namespaces), written to `dir`. `random` makes the serial numbers.
 */
export function makeCertificates(dir: string, extraHosts: readonly string[] = [], random: Random = randomBytes): Certificates {
  fs.mkdirSync(dir, { recursive: true });
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const server = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caName = 'secure-lambda-postgres local CA';
  const caPem = certificate(caName, ca.publicKey, caName, ca.privateKey, [
    extension('2.5.29.19', true, seq(der(0x01, Buffer.from([0xff])))),
    extension('2.5.29.15', true, bits(Buffer.from([0x06]), 1)), // keyCertSign, cRLSign
    extension('2.5.29.14', false, octets(keyId(ca.publicKey))),
  ], random);
  const hosts = [...new Set(['localhost', '127.0.0.1', '::1', ...extraHosts])];
  const altNames = hosts.map((h) => isIP(h) === 4 ? der(0x87, Buffer.from(h.split('.').map(Number)))
    : isIP(h) === 6 ? der(0x87, ipv6Bytes(h)) : der(0x82, Buffer.from(h)));
  const certPem = certificate('localhost', server.publicKey, caName, ca.privateKey, [
    extension('2.5.29.19', false, seq()),
    extension('2.5.29.15', true, bits(Buffer.from([0xa0]), 5)), // digitalSignature, keyEncipherment
    extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))),
    extension('2.5.29.17', false, seq(...altNames)),
    extension('2.5.29.35', false, seq(der(0x80, keyId(ca.publicKey)))),
  ], random);
  const keyPem = server.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const files = { caFile: path.join(dir, 'ca.pem'), certFile: path.join(dir, 'server.pem'), keyFile: path.join(dir, 'server.key') };
  fs.writeFileSync(files.caFile, caPem);
  fs.writeFileSync(files.certFile, certPem);
  fs.writeFileSync(files.keyFile, keyPem, { mode: 0o600 });
  return { ...files, caPem, certPem, keyPem };
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail = ''] = address.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const all = address.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.from(all.map((g) => g.padStart(4, '0')).join(''), 'hex');
}
