import { randomUUID } from 'crypto';
import * as path from 'path';
import { BUNDLE_PATH } from './bundle';
import { workerScript } from '../../src/local/platform/assets';
import { loopback } from '../../src/local/platform/placement';
import { Container } from '../../src/local/services/lambda/container';
import type { ContainerState } from '../../src/local/services/lambda/worker/protocol';

export type { ContainerState };

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

/**
 * One Lambda "container", started by the local stack's own Lambda service
 * (src/local/services/lambda/container.ts): the built asset in a Node.js process running the
 * worker runtime. Every instance is a real cold start (module load, first Secrets Manager read,
 * first TLS connection); later invocations reuse it (warm).
 */
export class LambdaProcess {
  /**
   * The function's timeout is SLP_LAMBDA_TIMEOUT_MS (to give the context less time than the
   * environment says), else FUNCTION_TIMEOUT_MS, else 10 s; the container is killed at it.
   */
  public static async start(env: Record<string, string>, handlerPath = BUNDLE_PATH): Promise<LambdaProcess> {
    const { SLP_LAMBDA_TIMEOUT_MS: contextTimeout, ...environment } = env;
    const timeoutMs = Number(contextTimeout ?? environment.FUNCTION_TIMEOUT_MS ?? 10_000);
    const { container, ready } = Container.start({
      workerScript: workerScript(),
      placement: loopback('function'),
      timeoutMs,
      output: 'pipe',
      environment: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        LANG: 'C.UTF-8',
        TZ: 'UTC',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: '/nonexistent/aws-config',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
        LAMBDA_TASK_ROOT: path.dirname(handlerPath),
        _HANDLER: `${path.basename(handlerPath, '.js')}.handler`,
        // The AWS SDK warns on stderr that it will need Node.js 22; the Lambda runtime is 24,
        // this machine may run 20. The SDK's own switch silences only that warning.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...environment,
      },
    });
    const lp = new LambdaProcess(container);
    try {
      lp.initMs = await ready;
    } catch (err) {
      throw new Error(`handler failed to load: ${(err as Error).message}`);
    }
    return lp;
  }

  /** Every line the function wrote to stdout / stderr. */
  public readonly stdout: string[] = [];
  public readonly stderr: string[] = [];
  /** How long loading the handler module took in the container (the Init phase), in ms. */
  public initMs = NaN;
  /** How long the last invocation took inside the container, in ms. */
  public lastDurationMs = NaN;

  private constructor(private readonly container: Container) {
    const collect = (target: string[]) => {
      let buf = '';
      return (d: Buffer) => {
        buf += d.toString('utf8');
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        target.push(...lines.filter((l) => l.length > 0));
      };
    };
    container.output.stdout?.on('data', collect(this.stdout));
    container.output.stderr?.on('data', collect(this.stderr));
  }

  /** Whether the container can still be invoked (a crash or a timeout ends it, as in Lambda). */
  public get alive(): boolean {
    return this.container.alive;
  }

  public get pid(): number | undefined {
    return this.container.pid;
  }

  /** All log lines, stdout then stderr. */
  public get logs(): string[] {
    return [...this.stdout, ...this.stderr];
  }

  /** Invoke with a raw event (direct invocation); a function error rejects, with what Lambda reports as `thrown`. */
  public async invoke(event: unknown): Promise<unknown> {
    if (!this.alive) {
      throw new Error('container is no longer running');
    }
    const outcome = await this.container.invoke(event);
    this.lastDurationMs = outcome.durationMs;
    if (outcome.ok) {
      return outcome.payload;
    }
    const thrown: ThrownError = { name: outcome.errorType, message: outcome.errorMessage, stack: outcome.trace?.join('\n') };
    throw Object.assign(new Error(`handler ${outcome.kind === 'crash' ? 'crashed' : 'threw'} ${thrown.name}: ${thrown.message}\nstderr:\n${this.stderr.join('\n')}`), { thrown });
  }

  /** The container's resident memory and the npm packages and Node modules it has loaded so far. */
  public inspect(): Promise<ContainerState> {
    return this.container.inspect();
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
    if (this.pid !== undefined) process.kill(this.pid, 'SIGSTOP');
  }

  public thaw(): void {
    if (this.pid !== undefined && this.alive) process.kill(this.pid, 'SIGCONT');
  }

  public async stop(): Promise<void> {
    this.thaw();
    await this.container.stop();
  }
}
