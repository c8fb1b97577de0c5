/* eslint-disable no-bitwise */ // IPv4 addresses are 32-bit numbers: masks and offsets are bit operations.
import { UsageError } from '../../io';

/** An IPv4 network: its first address as a number and its prefix length. */
export interface Cidr {
  readonly base: number;
  readonly prefix: number;
  readonly text: string;
}

const ADDRESS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseAddress(text: string): number | undefined {
  const m = ADDRESS.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((n, o) => n * 256 + o, 0);
}

export function formatAddress(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
}

const mask = (prefix: number) => (prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0);

/** `10.0.4.0/22` as a {@link Cidr}; undefined when it is not an IPv4 CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const [address, length, extra] = text.split('/');
  const n = parseAddress(address ?? '');
  const prefix = Number(length);
  if (n === undefined || extra !== undefined || !/^\d{1,2}$/.test(length ?? '') || prefix > 32) return undefined;
  return { base: (n & mask(prefix)) >>> 0, prefix, text };
}

export function contains(cidr: Cidr, address: number): boolean {
  return ((address & mask(cidr.prefix)) >>> 0) === cidr.base;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b.base) || contains(b, a.base);
}

/** The address `offset` after the network's first address, which must lie inside it. */
export function hostAddress(cidr: Cidr, offset: number): string {
  const size = 2 ** (32 - cidr.prefix);
  // AWS keeps the first four addresses and the last one of every subnet for itself.
  if (offset >= size - 1) {
    throw new UsageError(`subnet ${cidr.text} is too small for the isolated replica's hosts (it needs ${offset + 2} addresses)`);
  }
  return formatAddress(cidr.base + offset);
}

/**
 * Networks for the replica's `internet` namespace: documentation ranges (RFC 5737), which no real
 * network uses; the first that overlaps none of the template's networks.
 */
export function outsideNetwork(inUse: readonly Cidr[]): Cidr {
  for (const text of ['203.0.113.0/24', '198.51.100.0/24', '192.0.2.0/24']) {
    const candidate = parseCidr(text)!;
    if (!inUse.some((c) => overlaps(c, candidate))) return candidate;
  }
  throw new UsageError('the template\'s networks overlap every documentation range (203.0.113.0/24, 198.51.100.0/24, 192.0.2.0/24) the replica uses for the internet');
}
