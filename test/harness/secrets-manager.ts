// The loopback Secrets Manager endpoint is part of the product (the local stack runs it); the
// handler tests use the same one.
export { LocalSecretsManager as SecretsManagerStub } from '../../src/local/services/secrets-manager/server';
export type { SecretsManagerRequest } from '../../src/local/services/secrets-manager/server';
