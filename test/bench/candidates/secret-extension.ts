/**
 * Candidate: the AWS Parameters and Secrets Lambda Extension's local HTTP API, as documented
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html):
 * `GET /secretsmanager/get?secretId=…` on localhost:2773 with the session token as
 * `X-Aws-Parameters-Secrets-Token`. Only the function's side runs here: the bench emulates the
 * extension, which on a new container has nothing cached and reads from Secrets Manager.
 */
import { get } from 'node:http';

export function run(secretId: string): Promise<string | undefined> {
  const port = process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? '2773';
  const headers = { 'X-Aws-Parameters-Secrets-Token': process.env.AWS_SESSION_TOKEN ?? '' };
  return new Promise((resolve, reject) => {
    get(`http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretString?: string }).SecretString));
    }).on('error', reject);
  });
}
