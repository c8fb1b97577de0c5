import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, randomBytes, sign } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ENV } from '../../contract';
import { resolveValue } from '../assembly/intrinsics';
import { BackendSpec } from '../assembly/model';
import { cacheDir } from '../platform/cache';

/** The local stand-in for a Clerk instance's signing key: RSA-2048, kept in the user's cache. */
export interface LocalSigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  /** SPKI PEM, what the local stack puts in CLERK_JWT_KEY. */
  readonly publicKeyPem: string;
}

/** The key pair in `<cache>/clerk-local-key.pem` (created, mode 0600, on first use). */
export function localSigningKey(dir = cacheDir()): LocalSigningKey {
  const file = path.join(dir, 'clerk-local-key.pem');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  const privateKey = createPrivateKey(fs.readFileSync(file, 'utf8'));
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  const kid = 'ins_local_' + createHash('sha256').update(publicKeyPem).digest('hex').slice(0, 16);
  return { kid, privateKey, publicKeyPem };
}

/** A compact RS256 JWT. */
export function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ alg: 'RS256', typ: 'JWT', ...header })}.${b64(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

export interface SessionClaims {
  readonly sub: string;
  readonly azp?: string;
  readonly iss?: string;
  readonly ttlSeconds: number;
}

/** A Clerk-shaped session token (v2 claims) signed with `key`, or with `signWith` to forge one. */
export function sessionToken(key: LocalSigningKey, claims: SessionClaims, signWith: KeyObject = key.privateKey): string {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    sub: claims.sub,
    sid: 'sess_local_' + randomBytes(10).toString('hex'),
    iat: now,
    nbf: now - 5,
    exp: now + claims.ttlSeconds,
    v: 2,
  };
  if (claims.azp) payload.azp = claims.azp;
  if (claims.iss) payload.iss = claims.iss;
  return signJwt({ kid: key.kid }, payload, signWith);
}

/** The `azp` (first authorized party) and `iss` the backend's function requires, from its template. */
export function tokenDefaults(spec: BackendSpec): { azp?: string; iss?: string } {
  const env = spec.function.environment;
  const literal = (name: string) => resolveValue(env[name], { refs: new Map(), attributes: new Map() });
  const azp = literal(ENV.CLERK_AUTHORIZED_PARTIES)?.split(',').map((s) => s.trim()).find((s) => s !== '');
  return { azp, iss: literal(ENV.CLERK_ISSUER) || undefined };
}
