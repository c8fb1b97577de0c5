/**
 * The Lambda Runtime API (version 2018-06-01) of one execution environment, as the runtime inside
 * it sees it at `AWS_LAMBDA_RUNTIME_API`: the runtime long-polls `GET /runtime/invocation/next`
 * for an event and posts the outcome to `/invocation/{id}/response` or `/invocation/{id}/error`;
 * a runtime that fails to initialize posts `/runtime/init/error`. The Init phase ends with the
 * first `next` call. See https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html and the
 * runtime interface emulator (github.com/aws/aws-lambda-runtime-interface-emulator) for the
 * status codes: 200 for an event, 202 for an accepted result, 400 for an unknown request id.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { performance } from 'perf_hooks';
import { ReportedError } from '../worker/protocol';

const PREFIX = '/2018-06-01/runtime/';
/** Lambda's limit on a synchronous invocation's response. */
const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

/** One event handed to the runtime. */
export interface RuntimeInvocation {
  readonly id: string;
  readonly event: unknown;
  /** Epoch milliseconds at which the invocation times out. */
  readonly deadline: number;
  readonly functionArn: string;
}

/** What the runtime told the Runtime API. */
export interface RuntimeListener {
  /** The runtime asked for its first event: the Init phase is over. */
  ready(): void;
  initError(error: ReportedError): void;
  result(id: string, payload: unknown, durationMs: number): void;
  error(id: string, error: ReportedError, durationMs: number): void;
}

/** An X-Ray trace header, as Lambda passes it when tracing is off (`Sampled=0`). */
function traceId(): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  return `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${hex(24)};Parent=${hex(16)};Sampled=0`;
}

function reported(body: string, header: string | string[] | undefined): ReportedError {
  let parsed: { errorType?: unknown; errorMessage?: unknown } = {};
  try {
    parsed = JSON.parse(body) ?? {};
  } catch {
    // A runtime may post any body: the header still names the error.
  }
  const errorType = typeof parsed.errorType === 'string' ? parsed.errorType : typeof header === 'string' ? header : 'Unhandled';
  return { errorType, errorMessage: typeof parsed.errorMessage === 'string' ? parsed.errorMessage : body.slice(0, 1024) };
}

/** The JSON document Lambda returns, or the text itself when the runtime answered something else. */
function payloadOf(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

export class RuntimeApiServer {
  private readonly server = http.createServer({ keepAliveTimeout: 0 }, (req, res) => this.handle(req, res));
  private readonly queue: RuntimeInvocation[] = [];
  private waiting: http.ServerResponse | undefined;
  private current: { id: string; started: number } | undefined;
  private initDone = false;

  constructor(private readonly listener: RuntimeListener) {
    // A runtime long-polls `next` for as long as the environment lives.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 0;
  }

  /** Listen on `host` (the environment's loopback); resolves with the `host:port` for AWS_LAMBDA_RUNTIME_API. */
  public listen(host = '127.0.0.1'): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, host, () => resolve(`${host}:${(this.server.address() as AddressInfo).port}`));
    });
  }

  /** Queue an event; the runtime receives it from its (pending or next) `next` call. */
  public invoke(invocation: RuntimeInvocation): void {
    this.queue.push(invocation);
    this.dispatch();
  }

  public close(): void {
    this.server.closeAllConnections();
    this.server.close();
  }

  private dispatch(): void {
    const res = this.waiting;
    if (!res || this.queue.length === 0) return;
    const next = this.queue.shift()!;
    this.waiting = undefined;
    const body = JSON.stringify(next.event ?? null);
    this.current = { id: next.id, started: performance.now() };
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'lambda-runtime-aws-request-id': next.id,
      'lambda-runtime-deadline-ms': String(next.deadline),
      'lambda-runtime-invoked-function-arn': next.functionArn,
      'lambda-runtime-trace-id': traceId(),
    });
    res.end(body);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === `${PREFIX}invocation/next`) return this.next(res);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_RESPONSE_BYTES) chunks.push(c);
    });
    req.on('end', () => this.posted(req, res, url, Buffer.concat(chunks).toString('utf8'), size));
  }

  private next(res: http.ServerResponse): void {
    if (!this.initDone) {
      this.initDone = true;
      this.listener.ready();
    }
    this.waiting = res;
    res.once('close', () => {
      if (this.waiting === res) this.waiting = undefined;
    });
    this.dispatch();
  }

  private posted(req: http.IncomingMessage, res: http.ServerResponse, url: string, body: string, size: number): void {
    const answer = (status: number, json: unknown) => {
      const text = JSON.stringify(json);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.method === 'POST' && url === `${PREFIX}init/error`) {
      this.listener.initError(reported(body, req.headers['lambda-runtime-function-error-type']));
      return answer(202, { status: 'OK' });
    }
    const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (req.method !== 'POST' || !m) return answer(404, { errorType: 'InvalidRequest', errorMessage: `unknown path ${url}` });
    const id = decodeURIComponent(m[1]);
    const current = this.current;
    if (current?.id !== id) return answer(400, { errorType: 'InvalidRequestID', errorMessage: `Invalid request ID: ${id}` });
    this.current = undefined;
    const durationMs = performance.now() - current.started;
    if (m[2] === 'error') {
      this.listener.error(id, reported(body, req.headers['lambda-runtime-function-error-type']), durationMs);
    } else if (size > MAX_RESPONSE_BYTES) {
      const error = { errorType: 'Function.ResponseSizeTooLarge', errorMessage: `Response payload size (${size} bytes) exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).` };
      this.listener.error(id, error, durationMs);
      return answer(413, error);
    } else {
      this.listener.result(id, payloadOf(body), durationMs);
    }
    answer(202, { status: 'OK' });
  }
}
