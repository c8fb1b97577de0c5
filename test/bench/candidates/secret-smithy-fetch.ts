/**
 * Candidate: a `GetSecretValue` signed with `@smithy/signature-v4` (provided by the Lambda runtime,
 * like `@aws-sdk/*`) and sent with Node's `fetch`.
 */
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

const bytes = (d: string | ArrayBuffer | ArrayBufferView) => (typeof d === 'string' ? d
  : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : new Uint8Array(d));

/** What @smithy/hash-node is: a node:crypto SHA-256 (HMAC with a key). */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {}
}

export async function run(secretId: string): Promise<string | undefined> {
  const env = process.env;
  const url = new URL(env.AWS_ENDPOINT_URL_SECRETS_MANAGER!);
  const signer = new SignatureV4({
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY!, sessionToken: env.AWS_SESSION_TOKEN },
    region: env.AWS_REGION!,
    service: 'secretsmanager',
    sha256: Sha256,
  });
  const body = JSON.stringify({ SecretId: secretId });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query: {},
    body,
    headers: { 'host': url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
  });
  const res = await fetch(url, { method: 'POST', headers: signed.headers, body });
  return ((await res.json()) as { SecretString?: string }).SecretString;
}
