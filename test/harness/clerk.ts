import { createPrivateKey, generateKeyPairSync, KeyObject, randomBytes } from 'crypto';
import * as http from 'http';
import { AddressInfo } from 'net';
import { signJwt } from '../../src/local/stack/clerk';

/** An RSA-2048 signing key like a Clerk instance's, generated at test time. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  /** SPKI PEM: what the Clerk dashboard shows as the "JWT public key" (CLERK_JWT_KEY). */
  readonly publicKeyPem: string;
  /** The private key PKCS#8 PEM (only to prove it never leaks). */
  readonly privateKeyPem: string;
  /** Public JWK as Clerk's JWKS endpoint serves it. */
  readonly jwk: Record<string, string>;
}

export function makeSigningKey(): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'ins_' + randomBytes(12).toString('hex');
  const pub = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  return {
    kid,
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    jwk: { kid, kty: 'RSA', alg: 'RS256', use: 'sig', n: pub.n, e: pub.e },
  };
}

export const ISSUER = 'https://clerk.secure-lambda-postgres.test';

/** Claims of a Clerk session token (v2 shape, the subset that matters). */
export interface SessionClaims {
  sub?: string;
  sid?: string;
  azp?: string;
  iss?: string;
  iat?: number;
  nbf?: number;
  exp?: number;
  [claim: string]: unknown;
}

export interface TokenOptions {
  readonly claims?: SessionClaims;
  /** Header overrides (alg, kid, typ). */
  readonly header?: Record<string, unknown>;
  /** Sign with this key instead (a wrong key → bad signature). */
  readonly signWith?: KeyObject;
}

/** A Clerk-shaped session JWT, RS256, valid for 60 s from now unless overridden. */
export function sessionToken(key: SigningKey, options: TokenOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', kid: key.kid, typ: 'JWT', ...options.header };
  const payload: SessionClaims = {
    azp: 'https://app.example.com',
    exp: now + 60,
    iat: now - 1,
    iss: ISSUER,
    nbf: now - 11,
    sid: 'sess_' + randomBytes(10).toString('hex'),
    sub: 'user_' + randomBytes(10).toString('hex'),
    v: 2,
    ...options.claims,
  };
  for (const [k, v] of Object.entries(payload)) {
    if (v === undefined) {
      delete payload[k];
    }
  }
  return signJwt(header, payload, options.signWith ?? key.privateKey);
}

/** Decode a JWT payload (test assertions only). */
export function claimsOf(token: string): SessionClaims {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as SessionClaims;
}

export function otherPrivateKey(): KeyObject {
  return createPrivateKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
}

/**
 * A loopback stand-in for Clerk's Backend API JWKS endpoint (`GET {apiUrl}/v1/jwks`), which
 * `verifyToken` calls with `Authorization: Bearer <secret key>` when no `jwtKey` is configured.
 */
export class JwksServer {
  public static async start(keys: SigningKey[], secretKey: string): Promise<JwksServer> {
    const s = new JwksServer(keys, secretKey);
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', () => resolve()));
    return s;
  }

  public requests = 0;
  public unauthorized = 0;
  /** When set, every request fails with this status (JWKS outage). */
  public failWith: number | undefined;
  private readonly server: http.Server;

  private constructor(public keys: SigningKey[], private readonly secretKey: string) {
    this.server = http.createServer((req, res) => {
      this.requests++;
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (this.failWith) {
        send(this.failWith, { errors: [{ code: 'internal_error', message: 'unavailable' }] });
        return;
      }
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/v1/jwks') {
        send(404, { errors: [{ code: 'resource_not_found', message: 'not found' }] });
        return;
      }
      if (req.headers.authorization !== `Bearer ${this.secretKey}`) {
        this.unauthorized++;
        send(401, { errors: [{ code: 'clerk_key_invalid', message: 'The provided Clerk Secret Key is invalid.' }] });
        return;
      }
      send(200, { keys: this.keys.map((k) => k.jwk) });
    });
  }

  public get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
