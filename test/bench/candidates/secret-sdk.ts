/** Candidate: the Secrets Manager SDK client (what the default handler loaded on its first read). */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export async function run(secretId: string): Promise<string | undefined> {
  const out = await new SecretsManagerClient({ maxAttempts: 3 }).send(new GetSecretValueCommand({ SecretId: secretId }));
  return out.SecretString;
}
