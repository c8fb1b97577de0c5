import { randomBytes } from 'crypto';
import { IncomingMessage } from 'http';

/** What the proxy event needs to know about the API and the matched resource. */
export interface EventContext {
  readonly requestId: string;
  readonly apiId: string;
  readonly stage: string;
  readonly resourcePath: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly pathParameters: Record<string, string> | null;
  readonly body: Buffer;
}

/** The request as a REST API (payload format 1.0) Lambda proxy integration event. */
export function proxyEvent(req: IncomingMessage, c: EventContext): Record<string, unknown> {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const [name, value] = [req.rawHeaders[i], req.rawHeaders[i + 1]];
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of c.query) {
    query[k] = v;
    (multiQuery[k] ??= []).push(v);
  }
  const hasQuery = Object.keys(query).length > 0;
  const now = new Date();
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const text = c.body.toString('utf8');
  // API Gateway passes a body through as text unless binary media types are configured.
  const binary = c.body.length > 0 && !Buffer.from(text, 'utf8').equals(c.body);
  return {
    resource: c.resourcePath,
    path: c.path,
    httpMethod: req.method,
    headers: req.rawHeaders.length > 0 ? headers : null,
    multiValueHeaders: req.rawHeaders.length > 0 ? multiValueHeaders : null,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: c.pathParameters,
    stageVariables: null,
    requestContext: {
      accountId: '000000000000',
      apiId: c.apiId,
      domainName: req.headers.host ?? 'localhost',
      extendedRequestId: randomBytes(6).toString('base64url'),
      httpMethod: req.method,
      identity: { sourceIp, userAgent: req.headers['user-agent'] ?? null },
      path: `/${c.stage}${c.path}`,
      protocol: `HTTP/${req.httpVersion}`,
      requestId: c.requestId,
      requestTime: now.toUTCString(),
      requestTimeEpoch: now.getTime(),
      resourceId: 'local',
      resourcePath: c.resourcePath,
      stage: c.stage,
    },
    body: c.body.length === 0 ? null : binary ? c.body.toString('base64') : text,
    isBase64Encoded: binary,
  };
}

/** A proxy integration response, or undefined when the function returned something else. */
export interface ProxyResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

export function parseProxyResponse(payload: unknown): ProxyResponse | undefined {
  if (!payload || typeof payload !== 'object') return undefined;
  const p = payload as { statusCode?: unknown; headers?: unknown; multiValueHeaders?: unknown; body?: unknown; isBase64Encoded?: unknown };
  const statusCode = Number(p.statusCode);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return undefined;
  if (p.body !== undefined && p.body !== null && typeof p.body !== 'string') return undefined;
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries((p.headers ?? {}) as Record<string, unknown>)) headers[k] = String(v);
  for (const [k, v] of Object.entries((p.multiValueHeaders ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(v)) headers[k] = v.map(String);
  }
  const body = typeof p.body === 'string' ? Buffer.from(p.body, p.isBase64Encoded === true ? 'base64' : 'utf8') : Buffer.alloc(0);
  return { statusCode, headers, body };
}
