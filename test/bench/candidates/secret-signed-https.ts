/** Candidate (chosen): the handler's own `getSecretValue`, SigV4 with node:crypto over node:http(s). */
import { Deadline } from '../../../src/runtime/deadline';
import { getSecretValue } from '../../../src/runtime/get-secret-value';

export async function run(secretId: string): Promise<string | undefined> {
  return (await getSecretValue(secretId, Deadline.after(5000))).SecretString;
}
