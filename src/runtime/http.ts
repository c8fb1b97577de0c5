/**
 * Minimal API Gateway event and response shapes (REST API v1 proxy and HTTP API v2 payloads),
 * defined here so that neither this package nor its consumers need `@types/aws-lambda`.
 */

/** Header map as API Gateway delivers it. */
export interface HeaderMap {
  readonly [name: string]: string | undefined;
}

/** API Gateway REST API (payload format 1.0) proxy event, the fields this package reads. */
export interface ApiGatewayProxyEvent {
  readonly httpMethod: string;
  readonly path: string;
  readonly resource?: string;
  readonly pathParameters?: HeaderMap | null;
  readonly headers?: HeaderMap | null;
  readonly multiValueHeaders?: { readonly [name: string]: readonly string[] | undefined } | null;
  readonly queryStringParameters?: HeaderMap | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly requestContext?: { readonly requestId?: string; readonly stage?: string; readonly [key: string]: unknown };
}

/** API Gateway HTTP API (payload format 2.0) event, the fields this package reads. */
export interface ApiGatewayHttpEventV2 {
  readonly version: string;
  readonly rawPath: string;
  readonly rawQueryString?: string;
  readonly headers?: HeaderMap | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly requestContext: {
    readonly http: { readonly method: string; readonly path?: string };
    readonly requestId?: string;
    readonly stage?: string;
    readonly [key: string]: unknown;
  };
}

/** A response both API Gateway payload formats accept. */
export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: { readonly [name: string]: string };
  readonly body: string;
  readonly isBase64Encoded: boolean;
}

/** The part of an HTTP event a handler routes on. */
export interface HttpRequest {
  /** Upper-case method. */
  readonly method: string;
  /** Path without the stage prefix and without a trailing slash (except `/`). */
  readonly path: string;
  /** Headers with lower-case names (first value wins for multi-value headers). */
  readonly headers: ReadonlyMap<string, string>;
  /** API Gateway's request id, when present. */
  readonly requestId?: string;
  /** Which payload format the event used. */
  readonly format: 'rest-v1' | 'http-v2';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function collectHeaders(headers: unknown, multi: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (isObject(multi)) {
    for (const [k, v] of Object.entries(multi)) {
      if (Array.isArray(v) && typeof v[0] === 'string') {
        out.set(k.toLowerCase(), v[0]);
      }
    }
  }
  if (isObject(headers)) {
    for (const [k, v] of Object.entries(headers)) {
      if (typeof v === 'string') {
        out.set(k.toLowerCase(), v);
      }
    }
  }
  return out;
}

function normalisePath(path: string): string {
  let p = path.split('?')[0] || '/';
  if (!p.startsWith('/')) {
    p = '/' + p;
  }
  p = p.replace(/\/{2,}/g, '/');
  if (p.length > 1 && p.endsWith('/')) {
    p = p.slice(0, -1);
  }
  return p;
}

/**
 * Recognise an API Gateway event. Returns `undefined` for anything else: a direct invocation
 * (`aws lambda invoke`, the integration test's `{}`), a scheduled event, ...
 */
export function parseHttpEvent(event: unknown): HttpRequest | undefined {
  if (!isObject(event)) {
    return undefined;
  }
  const ctx = isObject(event.requestContext) ? event.requestContext : undefined;
  const requestId = ctx && typeof ctx.requestId === 'string' ? ctx.requestId : undefined;
  const http = ctx && isObject(ctx.http) ? ctx.http : undefined;
  if (http && typeof http.method === 'string') {
    let path = typeof event.rawPath === 'string' ? event.rawPath : (typeof http.path === 'string' ? http.path : '/');
    // A named (non-$default) HTTP API stage prefixes rawPath with the stage name.
    const stage = typeof ctx?.stage === 'string' ? ctx.stage : undefined;
    if (stage && stage !== '$default' && (path === `/${stage}` || path.startsWith(`/${stage}/`))) {
      path = path.slice(stage.length + 1) || '/';
    }
    return {
      method: http.method.toUpperCase(),
      path: normalisePath(path),
      headers: collectHeaders(event.headers, undefined),
      requestId,
      format: 'http-v2',
    };
  }
  if (typeof event.httpMethod === 'string' && typeof event.path === 'string') {
    // Behind a `{proxy+}` resource the greedy parameter is the path relative to the API, whatever
    // base-path mapping a custom domain adds in front of `path`.
    const params = isObject(event.pathParameters) ? event.pathParameters : undefined;
    const proxy = event.resource === '/{proxy+}' && typeof params?.proxy === 'string' ? `/${params.proxy}` : undefined;
    return {
      method: event.httpMethod.toUpperCase(),
      path: normalisePath(proxy ?? event.path),
      headers: collectHeaders(event.headers, event.multiValueHeaders),
      requestId,
      format: 'rest-v1',
    };
  }
  return undefined;
}

/** A JSON response with security headers that suit an API. */
export function jsonResponse(statusCode: number, body: unknown, headers: { readonly [name: string]: string } = {}): HttpResponse {
  return {
    statusCode,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...headers,
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

/** `{ error, reason? }` with the given status. */
export function errorResponse(statusCode: number, error: string, reason?: string, headers?: { readonly [name: string]: string }): HttpResponse {
  return jsonResponse(statusCode, reason === undefined ? { error } : { error, reason }, headers);
}
