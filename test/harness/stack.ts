import { randomBytes } from 'crypto';
import * as path from 'path';
import { ensureBundle } from './bundle';
import { makeCertificates, TestCertificates } from './certs';
import { JwksServer, makeSigningKey, SigningKey } from './clerk';
import { RealPostgres, startDatabase } from './database';
import { LambdaProcess } from './lambda';
import { findLeaks, trackSecret } from './leaks';
import { findPgbouncer, PgBouncer } from './pgbouncer';
import { SecretsManagerStub } from './secrets-manager';
import { makeTempDir, removeDir } from './util';

export const REGION = 'eu-west-1';
export const AUTHORIZED_PARTIES = ['https://app.example.com', 'https://admin.example.com'];

/** Why the PgBouncer tests cannot run here, or undefined when they can. */
export function pgbouncerUnavailable(): string | undefined {
  if (!findPgbouncer()) {
    return 'pgbouncer is not installed (apt-get install pgbouncer, or set PGBOUNCER_BIN)';
  }
  return undefined;
}

/** A test that needs a capability this machine lacks: `test.skip`, with the reason printed. */
export function testIf(skipReason: string | undefined, name: string, fn: () => Promise<void>, timeout?: number): void {
  if (skipReason) {
    console.warn(`SKIPPED "${name}": ${skipReason}`);
    test.skip(`${name} [skipped: ${skipReason}]`, fn, timeout);
  } else {
    test(name, fn, timeout);
  }
}

/**
 * For a test file: build the handler bundle and start a stack before its tests (handing it to
 * `use`), destroy the stack after them.
 */
export function stackForTests(use: (stack: TestStack) => void, options: { jwks?: boolean; pgbouncer?: boolean } = {}): void {
  let started: TestStack | undefined;
  beforeAll(async () => {
    ensureBundle();
    started = await TestStack.start(options);
    use(started);
  }, 180000);
  afterAll(async () => {
    await started?.destroy();
  });
}

/** Everything the handler talks to, on loopback and random ports. */
export class TestStack {
  public static async start(options: { jwks?: boolean; pgbouncer?: boolean } = {}): Promise<TestStack> {
    const dir = makeTempDir('stack');
    const certs = makeCertificates(path.join(dir, 'tls'));
    const accessKeyId = 'AKIA' + randomBytes(8).toString('hex').toUpperCase();
    const [dbResult, smResult] = await Promise.allSettled([startDatabase(certs), SecretsManagerStub.start(REGION, accessKeyId)]);
    if (dbResult.status === 'rejected' || smResult.status === 'rejected') {
      // Do not leave a half-started stack behind: it would keep jest from exiting.
      await (dbResult.status === 'fulfilled' ? dbResult.value.destroy() : undefined);
      await (smResult.status === 'fulfilled' ? smResult.value.stop() : undefined);
      removeDir(dir);
      throw dbResult.status === 'rejected' ? dbResult.reason : (smResult as PromiseRejectedResult).reason;
    }
    const stack = new TestStack(dir, certs, dbResult.value, smResult.value, accessKeyId);
    try {
      if (options.jwks) {
        stack.jwks = await JwksServer.start([stack.key], stack.clerkSecretKey);
      }
      if (options.pgbouncer) {
        stack.pgbouncerSkipReason = pgbouncerUnavailable();
        if (!stack.pgbouncerSkipReason) {
          stack.pgbouncer = await PgBouncer.start(stack.db, certs);
        }
      }
    } catch (err) {
      await stack.destroy();
      throw err;
    }
    return stack;
  }

  public readonly key: SigningKey = makeSigningKey();
  public readonly clerkSecretKey = trackSecret('Clerk secret key', 'sk_test_' + randomBytes(24).toString('hex'));
  public readonly secretAccessKey = trackSecret('AWS secret access key', randomBytes(30).toString('base64'));
  public readonly sessionToken = trackSecret('AWS session token', 'IQoJ' + randomBytes(60).toString('base64'));
  public readonly dbSecretArn: string;
  public readonly clerkSecretArn: string;
  public jwks: JwksServer | undefined;
  public pgbouncer: PgBouncer | undefined;
  public pgbouncerSkipReason: string | undefined;
  private readonly lambdas: LambdaProcess[] = [];
  private readonly outputs: string[] = [];

  private constructor(
    private readonly dir: string,
    public readonly certs: TestCertificates,
    public readonly db: RealPostgres,
    public readonly sm: SecretsManagerStub,
    public readonly accessKeyId: string,
  ) {
    trackSecret('private signing key', this.key.privateKeyPem);
    trackSecret('TLS private key', certs.keyPem);
    this.dbSecretArn = sm.arn('app/db');
    this.clerkSecretArn = sm.arn('app/clerk');
    this.putDbSecret(db.password);
    sm.put(this.clerkSecretArn, JSON.stringify({ secretKey: this.clerkSecretKey }));
  }

  /** ALTER USER ... PASSWORD on the server (and the pooler's auth file, like RDS Proxy re-reading the secret). */
  public async rotateDbPassword(password: string): Promise<void> {
    trackSecret('rotated database password', password);
    await this.db.rotatePassword(password);
    await this.pgbouncer?.syncPassword();
  }

  /** Write the database secret in the shape RDS generates. */
  public putDbSecret(password: string, username = this.db.user): void {
    trackSecret('database password', password);
    this.sm.put(this.dbSecretArn, JSON.stringify({
      engine: 'postgres', host: this.db.host, port: this.db.port, dbname: this.db.database, username, password,
    }));
  }

  /**
   * The environment the construct would give the function, pointed at the loopback services.
   * CLERK_JWT_KEY carries the PEM with literal `\n` escapes, as it arrives through many deploy paths.
   */
  public env(overrides: Record<string, string | undefined> = {}): Record<string, string> {
    const env: Record<string, string | undefined> = {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: this.accessKeyId,
      AWS_SECRET_ACCESS_KEY: this.secretAccessKey,
      AWS_SESSION_TOKEN: this.sessionToken,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: this.sm.url,
      NODE_EXTRA_CA_CERTS: this.certs.caFile,
      DB_HOST: 'localhost',
      DB_PORT: String(this.db.port),
      DB_NAME: this.db.database,
      DB_SECRET_ARN: this.dbSecretArn,
      DB_AUTH_MODE: 'password',
      CLERK_JWT_KEY: this.key.publicKeyPem.trim().replace(/\n/g, '\\n'),
      CLERK_AUTHORIZED_PARTIES: AUTHORIZED_PARTIES.join(', '),
      ...overrides,
    };
    return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
  }

  /** A new cold container. */
  public async lambda(overrides: Record<string, string | undefined> = {}): Promise<LambdaProcess> {
    const l = await LambdaProcess.start(this.env(overrides));
    this.lambdas.push(l);
    return l;
  }

  /** Keep a response for the final leak check. */
  public record<T>(value: T): T {
    this.outputs.push(typeof value === 'string' ? value : JSON.stringify(value));
    return value;
  }

  /** Every captured log line of every container. */
  public allLogLines(): string[] {
    return this.lambdas.flatMap((l) => l.logs);
  }

  /** Tracked secrets found in any recorded response or log line, with where. */
  public leaks(): string[] {
    const found: string[] = [];
    for (const text of [...this.outputs, ...this.allLogLines()]) {
      for (const label of findLeaks(text)) {
        found.push(`${label} in: ${text.slice(0, 200)}`);
      }
    }
    return found;
  }

  /** Log lines that are not one-line JSON objects with `level` and `event`, or that carry a stack. */
  public unstructuredLogLines(): string[] {
    return this.allLogLines().filter((line) => {
      if (/\n\s+at\s|\bat .+\(.+:\d+:\d+\)/.test(line)) {
        return true;
      }
      try {
        const o = JSON.parse(line) as { level?: unknown; event?: unknown; stack?: unknown };
        return typeof o.level !== 'string' || typeof o.event !== 'string' || 'stack' in o;
      } catch {
        return true;
      }
    });
  }

  public async destroy(): Promise<void> {
    await Promise.all(this.lambdas.map((l) => l.stop()));
    await this.pgbouncer?.stop();
    await this.jwks?.stop();
    await this.sm.stop();
    await this.db.destroy();
    removeDir(this.dir);
  }
}
