import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'crypto';

const ITERATIONS = 4096;

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (`SCRAM-SHA-256$4096:salt$stored:server`,
 * RFC 5802/7677), computed here so that `ALTER ROLE … PASSWORD` carries the verifier, never the
 * password itself: a statement log (`log_statement = ddl`) then holds nothing a client can log in
 * with. PostgreSQL prepares passwords with SASLprep, which leaves printable ASCII unchanged; for any
 * other password this returns `undefined` and the caller sends it for the server to hash.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16)): string | undefined {
  if (!/^[\x20-\x7e]*$/.test(password)) return undefined;
  const salted = pbkdf2Sync(password, salt, ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
