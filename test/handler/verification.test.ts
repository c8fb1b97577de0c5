/**
 * Session-token verification in-process with the real `@clerk/backend` and RSA keys generated
 * here: the issuer check, and the verification cache, which must never change an answer (only
 * skip a signature check), with the clock moved by jest's fake `Date`.
 */
import { verifyToken } from '@clerk/backend';
import { AuthResult, ClerkVerifier, ClerkVerifierOptions, VerifiedSession } from '../../src/runtime/clerk';
import { readClerkConfig } from '../../src/runtime/config';
import { VerificationCache } from '../../src/runtime/verification-cache';
import { claimsOf, ISSUER, makeSigningKey, otherPrivateKey, sessionToken } from '../harness/clerk';

process.env.AWS_LAMBDA_LOG_LEVEL = 'error';

const APP = 'https://app.example.com';
const ADMIN = 'https://admin.example.com';
const key = makeSigningKey();

/** `@clerk/backend`'s verifyToken, counting calls: a call is a signature check the cache did not skip. */
function countingVerify(): { verify: typeof verifyToken; calls: () => number } {
  let calls = 0;
  const verify: typeof verifyToken = (token, options) => {
    calls++;
    return verifyToken(token, options);
  };
  return { verify, calls: () => calls };
}

function verifier(options: Partial<ClerkVerifierOptions> = {}): ClerkVerifier {
  return new ClerkVerifier({ jwtKey: key.publicKeyPem, authorizedParties: [APP, ADMIN], ...options });
}

function reason(result: AuthResult): string {
  return result.ok ? 'ok' : result.reason;
}

const at = (seconds: number) => jest.setSystemTime(seconds * 1000);
const nowSeconds = () => Math.floor(Date.now() / 1000);

beforeEach(() => {
  // Only Date is faked: Clerk and the cache read the clock through it; crypto and I/O run as usual.
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
});

afterEach(() => jest.useRealTimers());

describe('issuer (CLERK_ISSUER)', () => {
  test('a token from the configured issuer is accepted; one from another is rejected 401 token-invalid-issuer', async () => {
    const v = verifier({ issuer: ISSUER });
    expect(reason(await v.verifySessionToken(sessionToken(key)))).toBe('ok');
    const other = await v.verifySessionToken(sessionToken(key, { claims: { iss: 'https://clerk.other.example' } }));
    expect(other).toEqual({ ok: false, status: 401, error: 'unauthorized', reason: 'token-invalid-issuer' });
    expect(reason(await v.verifySessionToken(sessionToken(key, { claims: { iss: undefined } })))).toBe('token-invalid-issuer');
  });

  test('without an issuer configured, iss is not checked', async () => {
    expect(reason(await verifier().verifySessionToken(sessionToken(key, { claims: { iss: 'https://clerk.other.example' } })))).toBe('ok');
  });

  test('read from the environment without a trailing slash (Clerk\'s iss has none)', () => {
    expect(readClerkConfig({ CLERK_ISSUER: ` ${ISSUER}/ ` }).issuer).toBe(ISSUER);
    expect(readClerkConfig({}).issuer).toBeUndefined();
  });
});

describe('verification cache', () => {
  test('a session\'s repeated token is checked once, and every request still gets the verified session', async () => {
    const { verify, calls } = countingVerify();
    const v = verifier({ verify });
    const token = sessionToken(key);
    for (let i = 0; i < 5; i++) {
      const result = await v.verifySessionToken(token) as VerifiedSession;
      expect(result.ok).toBe(true);
      expect(result.userId).toBe(claimsOf(token).sub);
    }
    expect(calls()).toBe(1);
  });

  test('an expired token is rejected even when cached: past exp the cache is not used, Clerk answers', async () => {
    const { verify, calls } = countingVerify();
    const v = verifier({ verify });
    const token = sessionToken(key);
    const { exp } = claimsOf(token) as { exp: number };
    expect(reason(await v.verifySessionToken(token))).toBe('ok');
    // Within Clerk's 5 s clock skew after exp, Clerk still accepts it: checked again, same answer.
    at(exp + 1);
    expect(reason(await v.verifySessionToken(token))).toBe('ok');
    expect(calls()).toBe(2);
    at(exp + 6);
    expect(await v.verifySessionToken(token)).toEqual({ ok: false, status: 401, error: 'unauthorized', reason: 'token-expired' });
    expect(calls()).toBe(3);
  });

  test('a cached token is not trusted before its nbf (the clock stepped back): 401 token-not-active-yet', async () => {
    const { verify, calls } = countingVerify();
    const v = verifier({ verify });
    const token = sessionToken(key);
    const { nbf } = claimsOf(token) as { nbf: number };
    expect(reason(await v.verifySessionToken(token))).toBe('ok');
    at(nbf - 10);
    expect(reason(await v.verifySessionToken(token))).toBe('token-not-active-yet');
    expect(calls()).toBe(2);
  });

  test('a token accepted before its nbf (within the clock skew) is not cached until it is valid', async () => {
    const { verify, calls } = countingVerify();
    const v = verifier({ verify });
    const n = nowSeconds();
    const token = sessionToken(key, { claims: { nbf: n + 3, iat: n + 3, exp: n + 60 } });
    expect(reason(await v.verifySessionToken(token))).toBe('ok');
    expect(reason(await v.verifySessionToken(token))).toBe('ok');
    expect(calls()).toBe(2);
    at(n + 4);
    expect(reason(await v.verifySessionToken(token))).toBe('ok');
    expect(reason(await v.verifySessionToken(token))).toBe('ok');
    expect(calls()).toBe(3);
  });

  test('bounded: the least recently used token goes first', async () => {
    const { verify, calls } = countingVerify();
    const cache = new VerificationCache<VerifiedSession>({ maxEntries: 3 });
    const v = verifier({ verify, cache });
    const tokens = Array.from({ length: 5 }, () => sessionToken(key));
    for (const t of tokens) {
      expect(reason(await v.verifySessionToken(t))).toBe('ok');
    }
    expect(cache.size).toBe(3);
    expect(calls()).toBe(5);
    await v.verifySessionToken(tokens[4]);
    expect(calls()).toBe(5);
    await v.verifySessionToken(tokens[0]);
    expect(calls()).toBe(6);
    expect(cache.size).toBe(3);
  });

  test('a token for another authorized party is not served from the cache', async () => {
    const { verify, calls } = countingVerify();
    const cache = new VerificationCache<VerifiedSession>();
    const adminToken = sessionToken(key, { claims: { azp: ADMIN } });
    expect(reason(await verifier({ verify, cache }).verifySessionToken(adminToken))).toBe('ok');
    const appOnly = verifier({ verify, cache, authorizedParties: [APP] });
    expect(reason(await appOnly.verifySessionToken(adminToken))).toBe('token-invalid-authorized-parties');
    expect(calls()).toBe(2);
  });

  test('a token cached without the issuer check is not served to a verifier that requires an issuer', async () => {
    const cache = new VerificationCache<VerifiedSession>();
    const foreign = sessionToken(key, { claims: { iss: 'https://clerk.other.example' } });
    expect(reason(await verifier({ cache }).verifySessionToken(foreign))).toBe('ok');
    expect(reason(await verifier({ cache, issuer: ISSUER }).verifySessionToken(foreign))).toBe('token-invalid-issuer');
  });

  test('rejections are not cached: a bad signature is checked, and refused, every time', async () => {
    const { verify, calls } = countingVerify();
    const v = verifier({ verify });
    const forged = sessionToken(key, { signWith: otherPrivateKey() });
    for (let i = 0; i < 3; i++) {
      expect(reason(await v.verifySessionToken(forged))).toBe('token-invalid-signature');
    }
    expect(calls()).toBe(3);
  });
});
