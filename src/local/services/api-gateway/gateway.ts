import { randomUUID } from 'crypto';
import { IncomingMessage, ServerResponse } from 'http';
import { accessLogLine } from './access-log';
import { proxyEvent, parseProxyResponse } from './event';
import { matchRoute } from './router';
import { TokenBucket } from './throttle';
import { ApiSpec, GatewayResponseSpec } from '../../assembly/model';
import { FunctionPool, Invocation } from '../lambda/pool';

/** API Gateway gives up on an integration after 29 seconds. */
export const INTEGRATION_TIMEOUT_MS = 29_000;
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * API Gateway's own error answers: `{ "message": ... }` with `x-amzn-ErrorType`, or what the
 * API's gateway response of that type (else its DEFAULT_4XX / DEFAULT_5XX) makes of them.
 */
export function gatewayError(res: ServerResponse, status: number, message: string, type: string, requestId: string = randomUUID(),
  custom?: GatewayResponseSpec): void {
  const body = custom?.body ?? JSON.stringify({ message });
  res.writeHead(custom?.statusCode ?? status, {
    'content-type': 'application/json',
    ...custom?.headers,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': type,
  });
  res.end(body);
}

/** Prints the platform's lines (REPORT, errors) the way Lambda and API Gateway log them. */
export type PlatformLog = (line: string) => void;

/**
 * The REST API stage: stage path, throttling, resource matching, CORS preflight mocks, and Lambda
 * proxy integration with the function's containers (502 for a failed invocation, 504 after 29 s).
 */
export class Gateway {
  private bucket?: TokenBucket;

  constructor(private api: ApiSpec, private readonly pool: FunctionPool, private readonly log: PlatformLog,
    private readonly integrationTimeoutMs = INTEGRATION_TIMEOUT_MS) {
    this.update(api);
  }

  /** Serve a new synth's stage: its resources, methods and throttling. */
  public update(api: ApiSpec): void {
    this.api = api;
    this.bucket = api.throttle ? new TokenBucket(api.throttle.rateLimit, api.throttle.burstLimit) : undefined;
  }

  public handle(req: IncomingMessage, res: ServerResponse): void {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const stagePrefix = `/${this.api.stageName}`;
    const path = url.pathname.slice(stagePrefix.length) || '/';
    let resourcePath = '-';
    const format = this.api.accessLogFormat;
    if (format) {
      const requestTime = new Date();
      // $context.responseLength is the body's length, whichever answer wrote it.
      let responseLength = 0;
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        if (typeof args[0] === 'string' || Buffer.isBuffer(args[0])) responseLength = Buffer.byteLength(args[0]);
        return end(...args);
      }) as typeof res.end;
      res.once('finish', () => this.log(accessLogLine(format, {
        requestId,
        requestTime,
        resourcePath,
        path,
        stage: this.api.stageName,
        status: res.statusCode,
        sourceIp: (req.socket.remoteAddress ?? '-').replace(/^::ffff:/, ''),
        userAgent: req.headers['user-agent'],
        httpMethod: String(req.method),
        protocol: `HTTP/${req.httpVersion}`,
        responseLength,
      })));
    }
    const fail = (status: number, message: string, type: string, responseType?: string) =>
      gatewayError(res, status, message, type, requestId, this.customResponse(req, responseType, status));
    if (url.pathname !== stagePrefix && !url.pathname.startsWith(`${stagePrefix}/`)) {
      return fail(403, 'Forbidden', 'ForbiddenException');
    }
    if (this.bucket && !this.bucket.take()) {
      return fail(429, 'Too Many Requests', 'TooManyRequestsException', 'THROTTLED');
    }
    const match = matchRoute(this.api.resources, path, String(req.method));
    if (!match) {
      return fail(403, 'Missing Authentication Token', 'MissingAuthenticationTokenException', 'MISSING_AUTHENTICATION_TOKEN');
    }
    resourcePath = match.resource.path;
    const method = match.method;
    if (method.kind === 'mock') {
      const headers: Record<string, string> = { ...method.headers };
      const origin = req.headers.origin;
      if (origin && method.alternativeOrigins.includes(origin)) headers['Access-Control-Allow-Origin'] = origin;
      res.writeHead(method.statusCode, { ...headers, 'x-amzn-requestid': requestId });
      return void res.end();
    }
    if (method.kind !== 'lambda' || !method.ours) {
      this.log(`${req.method} ${path}: this integration (${method.kind === 'lambda' ? 'another function' : method.type}) is not emulated locally`);
      return fail(500, 'Internal server error', 'InternalServerErrorException');
    }
    const missing = [
      ...method.required.headers.filter((h) => req.headers[h.toLowerCase()] === undefined),
      ...method.required.querystrings.filter((q) => !url.searchParams.has(q)),
    ];
    if (missing.length > 0) {
      return fail(400, `Missing required request parameters: [${missing.join(', ')}]`, 'BadRequestException', 'BAD_REQUEST_PARAMETERS');
    }
    readBody(req).then((body) => {
      if (!body) return fail(413, 'Request Too Long', 'RequestTooLongException', 'REQUEST_TOO_LARGE');
      const event = proxyEvent(req, {
        requestId,
        apiId: this.api.logicalId,
        stage: this.api.stageName,
        resourcePath,
        path,
        query: url.searchParams,
        pathParameters: match.pathParameters,
        body,
      });
      return this.integrate(req, event, requestId, res);
    }).catch(() => fail(502, 'Internal server error', 'InternalServerErrorException'));
  }

  /**
   * The API's gateway response of a type, else its DEFAULT_4XX / DEFAULT_5XX (a type's own
   * definition replaces the default's whole), with request headers mapped in for `req`.
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
   */
  private customResponse(req: IncomingMessage, type: string | undefined, status: number): GatewayResponseSpec | undefined {
    const responses = this.api.gatewayResponses;
    const spec = (type ? responses[type] : undefined) ?? responses[status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX'];
    if (!spec?.requestHeaders) return spec;
    const headers = { ...spec.headers };
    for (const [header, source] of Object.entries(spec.requestHeaders)) {
      // A header mapped from a request header the request lacks is left out.
      const value = req.headers[source.toLowerCase()];
      if (typeof value === 'string') headers[header] = value;
    }
    return { ...spec, headers };
  }

  private async integrate(req: IncomingMessage, event: unknown, requestId: string, res: ServerResponse): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.integrationTimeoutMs);
    });
    const outcome = await Promise.race([this.pool.invoke(event, requestId), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.log(`Execution failed: Endpoint request timed out (RequestId: ${requestId})`);
      return gatewayError(res, 504, 'Endpoint request timed out', 'InternalServerErrorException', requestId, this.customResponse(req, 'INTEGRATION_TIMEOUT', 504));
    }
    reportInvocation(this.log, requestId, outcome);
    if (!outcome.ok) {
      const status = outcome.kind === 'throttled' ? 500 : 502;
      return gatewayError(res, status, 'Internal server error', 'InternalServerErrorException', requestId, this.customResponse(req, undefined, status));
    }
    const response = parseProxyResponse(outcome.payload);
    if (!response) {
      this.log(`Execution failed due to configuration error: Malformed Lambda proxy response (RequestId: ${requestId})`);
      return gatewayError(res, 502, 'Internal server error', 'InternalServerErrorException', requestId, this.customResponse(req, undefined, 502));
    }
    const headers: Record<string, string | string[]> = { 'content-type': 'application/json', ...response.headers, 'x-amzn-requestid': requestId };
    res.writeHead(response.statusCode, { ...headers, 'content-length': response.body.length });
    res.end(response.body);
  }
}

/** Lambda's REPORT line, and the error line of a failed invocation. */
export function reportInvocation(log: PlatformLog, requestId: string, outcome: Invocation): void {
  if (!outcome.ok) {
    log(`${outcome.errorType}: ${outcome.errorMessage}`);
    if (outcome.kind === 'throttled') return;
  }
  const init = outcome.initMs === undefined ? '' : `\tInit Duration: ${outcome.initMs.toFixed(2)} ms`;
  log(`REPORT RequestId: ${requestId}\tDuration: ${outcome.durationMs.toFixed(2)} ms${init}`);
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
