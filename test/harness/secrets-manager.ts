// The loopback Secrets Manager endpoint is part of the product (the local stack runs it); the
// handler tests use the same one.
export { LocalSecretsManager as SecretsManagerStub } from '../../src/local/secrets-manager';
export type { SecretsManagerRequest } from '../../src/local/secrets-manager';
