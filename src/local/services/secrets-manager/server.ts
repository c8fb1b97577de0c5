import * as http from 'http';
import { AddressInfo } from 'net';

/** A request the stub received (the SigV4 header is checked, never stored). */
export interface SecretsManagerRequest {
  readonly target: string;
  readonly secretId: string | undefined;
  readonly signed: boolean;
}

interface Failure {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

/**
 * A loopback Secrets Manager endpoint speaking the real AWS JSON 1.1 protocol
 * (`POST /`, `X-Amz-Target: secretsmanager.GetSecretValue`, `application/x-amz-json-1.1`), so the
 * real `@aws-sdk/client-secrets-manager` client runs against it through
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER`. Requests must carry a SigV4 `Authorization` header scoped
 * to the `secretsmanager` service. The local stack's Secrets Manager, and the handler tests'.
 */
export class LocalSecretsManager {
  /** Listen on `host:port` (port 0: any free port). */
  public static async start(region: string, accessKeyId: string, host = '127.0.0.1', port = 0): Promise<LocalSecretsManager> {
    const stub = new LocalSecretsManager(region, accessKeyId, host);
    await new Promise<void>((resolve, reject) => {
      stub.server.once('error', reject);
      stub.server.listen(port, host, () => resolve());
    });
    return stub;
  }

  public readonly requests: SecretsManagerRequest[] = [];
  private readonly secrets = new Map<string, { value: string; version: number }>();
  private readonly failures = new Map<string, Failure>();
  private readonly server: http.Server;

  private constructor(private readonly region: string, private readonly accessKeyId: string, private readonly host: string) {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 1000;
  }

  public get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${port}`;
  }

  public arn(name: string, account = '123456789012'): string {
    return `arn:aws:secretsmanager:${this.region}:${account}:secret:${name}-AbCdEf`;
  }

  /** Create or update a secret (a new VersionId each time). */
  public put(arn: string, value: string): void {
    const version = (this.secrets.get(arn)?.version ?? 0) + 1;
    this.secrets.set(arn, { value, version });
  }

  /** Make reads of this secret fail with an AWS error until {@link heal}. */
  public fail(arn: string, type = 'AccessDeniedException', status = 400): void {
    this.failures.set(arn, { status, type, message: `User is not authorized to perform secretsmanager:GetSecretValue on ${arn}` });
  }

  public heal(arn: string): void {
    this.failures.delete(arn);
  }

  public readsOf(arn: string): number {
    return this.requests.filter((r) => r.secretId === arn).length;
  }

  private reply(res: http.ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': `req-${this.requests.length}`,
    });
    res.end(text);
  }

  private error(res: http.ServerResponse, status: number, type: string, message: string): void {
    this.reply(res, status, { __type: type, message });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const auth = String(req.headers.authorization ?? '');
      const scope = new RegExp(`^AWS4-HMAC-SHA256 Credential=${this.accessKeyId}/\\d{8}/${this.region}/secretsmanager/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$`);
      const signed = scope.test(auth);
      let body: { SecretId?: string } = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { SecretId?: string };
      } catch {
        this.error(res, 400, 'SerializationException', 'body is not JSON');
        return;
      }
      this.requests.push({ target, secretId: body.SecretId, signed });
      if (req.method !== 'POST' || req.url !== '/') {
        this.error(res, 404, 'UnknownOperationException', 'not found');
        return;
      }
      if (!String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) {
        this.error(res, 400, 'SerializationException', 'expected application/x-amz-json-1.1');
        return;
      }
      if (!signed) {
        this.error(res, 403, 'IncompleteSignatureException', 'request is not SigV4-signed for secretsmanager');
        return;
      }
      if (target !== 'secretsmanager.GetSecretValue') {
        this.error(res, 400, 'UnknownOperationException', `unsupported target ${target}`);
        return;
      }
      const arn = body.SecretId ?? '';
      const failure = this.failures.get(arn);
      if (failure) {
        this.error(res, failure.status, failure.type, failure.message);
        return;
      }
      const secret = this.secrets.get(arn);
      if (!secret) {
        this.error(res, 400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        return;
      }
      this.reply(res, 200, {
        ARN: arn,
        Name: arn.split(':').pop(),
        VersionId: `00000000-0000-0000-0000-${String(secret.version).padStart(12, '0')}`,
        SecretString: secret.value,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Math.floor(Date.now() / 1000),
      });
    });
  }

  public async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
