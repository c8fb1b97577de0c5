import * as fs from 'fs';
import * as path from 'path';
import { inflateRawSync } from 'zlib';

/** The end of central directory record's signature, and the most bytes after it (the comment). */
const EOCD = 0x06054b50;
const MAX_COMMENT = 0xffff;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** The file type's place in a Unix mode, above the permission and set-id bits. */
const TYPE_UNIT = 0o10000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

interface Entry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly localOffset: number;
  /** Unix mode bits when the archive was made on Unix (`zip`, CDK's asset staging), else 0. */
  readonly mode: number;
}

function entries(zip: Buffer): Entry[] {
  const from = Math.max(0, zip.length - 22 - MAX_COMMENT);
  let eocd = -1;
  for (let i = zip.length - 22; i >= from; i--) {
    if (zip.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const found: Entry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== CENTRAL) throw new Error('corrupt zip file (central directory)');
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const madeOnUnix = zip.readUInt8(at + 5) === 3;
    found.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      method: zip.readUInt16LE(at + 10),
      compressedSize: zip.readUInt32LE(at + 20),
      localOffset: zip.readUInt32LE(at + 42),
      mode: madeOnUnix ? Math.floor(zip.readUInt32LE(at + 38) / 0x10000) : 0,
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return found;
}

function content(zip: Buffer, e: Entry): Buffer {
  if (zip.readUInt32LE(e.localOffset) !== LOCAL) throw new Error(`corrupt zip file (${e.name})`);
  const start = e.localOffset + 30 + zip.readUInt16LE(e.localOffset + 26) + zip.readUInt16LE(e.localOffset + 28);
  const data = zip.subarray(start, start + e.compressedSize);
  if (e.method === 0) return data;
  if (e.method === 8) return inflateRawSync(data);
  throw new Error(`${e.name}: zip compression method ${e.method} is not supported (use deflate)`);
}

/**
 * Extracts a zip archive (stored or deflated entries, as `zip` and CDK write them) into `dir`,
 * keeping Unix modes (a `bootstrap` stays executable, as Lambda keeps it) and symbolic links.
 * Entries that would land outside `dir` are refused.
 */
export function extractZip(file: string, dir: string): void {
  const zip = fs.readFileSync(file);
  const root = path.resolve(dir);
  for (const e of entries(zip)) {
    const target = path.resolve(root, e.name);
    if (target !== root && !target.startsWith(root + path.sep)) throw new Error(`${e.name}: a zip entry outside the archive's directory`);
    const type = Math.floor(e.mode / TYPE_UNIT) * TYPE_UNIT;
    if (e.name.endsWith('/') || type === S_IFDIR) {
      fs.mkdirSync(target, { recursive: true });
      continue;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (type === S_IFLNK) {
      fs.symlinkSync(content(zip, e).toString('utf8'), target);
      continue;
    }
    // Lambda reads files with the archive's permissions; archives from Windows have none: 0644.
    fs.writeFileSync(target, content(zip, e), { mode: e.mode % 0o1000 || 0o644 });
  }
}
