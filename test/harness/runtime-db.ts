import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { TestStack } from './stack';
import { Database, DatabaseOptions } from '../../src/runtime/db';
import { SecretCache } from '../../src/runtime/secrets';

/** The stack's secrets read through the real SDK client, in this process. */
export function sdkSecrets(stack: TestStack): SecretCache {
  return new SecretCache({
    clientFactory: () => new SecretsManagerClient({
      region: 'eu-west-1',
      endpoint: stack.sm.url,
      credentials: { accessKeyId: stack.accessKeyId, secretAccessKey: stack.secretAccessKey },
    }),
  });
}

/**
 * A runtime helper `Database` in this process on the stack's database (or another port, such as
 * its PgBouncer's), logging in with the stack's secret; `overrides` win.
 */
export function runtimeDatabase(stack: TestStack, overrides: Partial<DatabaseOptions> = {}): Database {
  return new Database({
    host: 'localhost',
    port: stack.db.port,
    database: stack.db.database,
    authMode: 'password',
    secretArn: stack.dbSecretArn,
    ca: stack.certs.caPem,
    secrets: sdkSecrets(stack),
    ...overrides,
  });
}
