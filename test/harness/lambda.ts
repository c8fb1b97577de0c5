import { ChildProcess, fork } from 'child_process';
import { randomUUID } from 'crypto';
import * as path from 'path';
import { BUNDLE_PATH } from './bundle';

/** What a handler threw, as the Lambda runtime sees it (the rejection of `invoke` carries it as `thrown`). */
export interface ThrownError {
  readonly name: string;
  readonly message: string;
  /** What the runtime would report as the trace. */
  readonly stack?: string;
}

/** The parsed shape of an API Gateway proxy response. */
export interface ApiResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  /** `body` parsed as JSON. */
  readonly json: Record<string, unknown>;
  readonly raw: string;
}

export type EventFormat = 'v1' | 'v2';

/** A REST API (payload 1.0, `{proxy+}`) or HTTP API (payload 2.0) event. */
export function httpEvent(method: string, pathName: string, headers: Record<string, string> = {}, format: EventFormat = 'v1'): Record<string, unknown> {
  const requestId = randomUUID();
  if (format === 'v2') {
    return {
      version: '2.0',
      routeKey: '$default',
      rawPath: pathName,
      rawQueryString: '',
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
      requestContext: { http: { method, path: pathName, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9' }, requestId, stage: '$default' },
      isBase64Encoded: false,
    };
  }
  return {
    resource: '/{proxy+}',
    path: pathName,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    pathParameters: { proxy: pathName.replace(/^\//, '') },
    requestContext: { requestId, stage: 'prod', resourcePath: '/{proxy+}', httpMethod: method, path: `/prod${pathName}` },
    body: null,
    isBase64Encoded: false,
  };
}

/** What a container reports about itself (see {@link LambdaProcess.inspect}). */
export interface ContainerState {
  readonly rss: number;
  readonly packages: string[];
  /** Node's own modules loaded so far (`internal/deps/undici/undici` once fetch or Headers is used). */
  readonly builtins: string[];
}

interface ShimMessage {
  readonly type: string;
  readonly id?: string;
  readonly result?: unknown;
  readonly thrown?: ThrownError;
  readonly message?: string;
  readonly initMs?: number;
  readonly durationMs?: number;
  readonly rss?: number;
  readonly packages?: string[];
  readonly builtins?: string[];
}

/**
 * One Lambda "container": a child Node process running the built asset through lambda-shim.js.
 * Every instance is a real cold start (module load, first Secrets Manager read, first TLS
 * connection); later invocations reuse it (warm).
 */
export class LambdaProcess {
  public static async start(env: Record<string, string>, handlerPath = BUNDLE_PATH): Promise<LambdaProcess> {
    const child = fork(path.join(__dirname, 'lambda-shim.js'), [], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        LANG: 'C.UTF-8',
        TZ: 'UTC',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: '/nonexistent/aws-config',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
        SLP_HANDLER_PATH: handlerPath,
        // The AWS SDK warns on stderr that it will need Node.js 22; the Lambda runtime is 24,
        // this machine may run 20. The SDK's own switch silences only that warning.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [],
    });
    const lp = new LambdaProcess(child);
    await lp.ready;
    return lp;
  }

  /** Every line the function wrote to stdout / stderr. */
  public readonly stdout: string[] = [];
  public readonly stderr: string[] = [];
  /** How long loading the handler module took in the container (the Init phase), in ms. */
  public initMs = NaN;
  /** How long the last invocation took inside the container, in ms. */
  public lastDurationMs = NaN;
  private readonly ready: Promise<void>;
  private readonly pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exitInfo: string | undefined;

  private constructor(private readonly child: ChildProcess) {
    const collect = (target: string[]) => {
      let buf = '';
      return (d: Buffer) => {
        buf += d.toString('utf8');
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        target.push(...lines.filter((l) => l.length > 0));
      };
    };
    child.stdout?.on('data', collect(this.stdout));
    child.stderr?.on('data', collect(this.stderr));
    this.ready = new Promise<void>((resolve, reject) => {
      child.on('message', (msg: ShimMessage) => {
        if (msg.type === 'ready') {
          this.initMs = msg.initMs ?? NaN;
          resolve();
        } else if (msg.type === 'init-error') {
          reject(new Error(`handler failed to load: ${msg.message}`));
        } else if ((msg.type === 'result' || msg.type === 'inspected') && msg.id) {
          const p = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          if (msg.thrown) {
            p?.reject(Object.assign(new Error(`handler threw ${msg.thrown.name}: ${msg.thrown.message}`), { thrown: msg.thrown }));
          } else {
            this.lastDurationMs = msg.durationMs ?? this.lastDurationMs;
            p?.resolve(msg.type === 'inspected' ? { rss: msg.rss, packages: msg.packages, builtins: msg.builtins } : msg.result);
          }
        }
      });
      child.on('exit', (code, signal) => {
        this.exitInfo = `exited with code ${code} signal ${signal}`;
        reject(new Error(`container ${this.exitInfo}`));
        for (const p of this.pending.values()) {
          p.reject(new Error(`container ${this.exitInfo}\nstderr:\n${this.stderr.join('\n')}`));
        }
        this.pending.clear();
      });
    });
  }

  /** Whether the process is still alive (a crash means a dropped connection killed the runtime). */
  public get alive(): boolean {
    return this.exitInfo === undefined;
  }

  public get pid(): number | undefined {
    return this.child.pid;
  }

  /** All log lines, stdout then stderr. */
  public get logs(): string[] {
    return [...this.stdout, ...this.stderr];
  }

  /** Invoke with a raw event (direct invocation). */
  public invoke(event: unknown, timeoutMs = 20000): Promise<unknown> {
    return this.send({ type: 'invoke', event }, timeoutMs);
  }

  /** The container's resident memory and the npm packages and Node modules it has loaded so far. */
  public inspect(): Promise<ContainerState> {
    return this.send({ type: 'inspect' }, 5000) as Promise<ContainerState>;
  }

  private send(message: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    if (!this.alive) {
      return Promise.reject(new Error(`container ${this.exitInfo}`));
    }
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`invocation timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ ...message, id, requestId: id });
    });
  }

  /** Invoke with an API Gateway event and parse the response. */
  public async request(method: string, pathName: string, headers: Record<string, string> = {}, format: EventFormat = 'v1'): Promise<ApiResponse> {
    type Raw = { statusCode: number; headers: Record<string, string>; body: string };
    const out = await this.invoke(httpEvent(method, pathName, headers, format)) as Raw;
    let json: Record<string, unknown>;
    try {
      // A 204 (a CORS preflight) has no body.
      json = out.statusCode === 204 && out.body === '' ? {} : JSON.parse(out.body) as Record<string, unknown>;
    } catch {
      throw new Error(`response body is not JSON: ${out.body}`);
    }
    return { statusCode: out.statusCode, headers: out.headers, json, raw: JSON.stringify(out) };
  }

  /** Freeze the container between invocations, as Lambda does (SIGSTOP / SIGCONT). */
  public freeze(): void {
    this.child.kill('SIGSTOP');
  }

  public thaw(): void {
    this.child.kill('SIGCONT');
  }

  public async stop(): Promise<void> {
    if (!this.alive) {
      return;
    }
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGCONT');
      this.child.kill('SIGTERM');
      setTimeout(() => {
        this.child.kill('SIGKILL');
        resolve();
      }, 3000).unref();
    });
  }
}
