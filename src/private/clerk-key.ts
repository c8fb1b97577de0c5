import { createPublicKey } from 'crypto';
import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { invalid } from './errors';
import { normalisePem } from '../runtime/config';

const WHERE = 'Copy it from the Clerk Dashboard → API keys → Show JWT public key → PEM public key, or pass a token (for example from an SSM parameter).';

/**
 * A `clerkJwtKey` that is not an RSA public key would make every session token fail verification
 * at run time, as `token-invalid-signature`; fail at synth instead. The key is read as the handler
 * reads it (literal `\n` escapes and a flattened PEM are normalised).
 */
export function validateClerkJwtKey(scope: IConstruct, pem: string | undefined): void {
  if (pem === undefined || Token.isUnresolved(pem)) return;
  let key;
  try {
    key = createPublicKey(normalisePem(pem));
  } catch {
    throw invalid(scope, `clerkJwtKey is not a PEM public key (it may be truncated or a placeholder). ${WHERE}`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw invalid(scope, `clerkJwtKey is a ${key.asymmetricKeyType} key; Clerk signs session tokens with RS256, so it must be the RSA public key. ${WHERE}`);
  }
}
