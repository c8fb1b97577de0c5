import { ENV } from '../contract';
import { Environment, parseList } from './config';
import { HttpRequest, HttpResponse } from './http';

/** Methods a browser may use cross-origin (what the default handler serves, plus preflight). */
const ALLOW_METHODS = 'GET, OPTIONS';
/** Request headers a browser may send cross-origin: the session token and JSON bodies. */
const ALLOW_HEADERS = 'authorization, content-type';
/** Response headers a browser script may read: when to retry, and why a token was refused. */
const EXPOSE_HEADERS = 'retry-after, www-authenticate';
/** How long a browser may reuse a preflight answer, in seconds. */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * CORS for an explicit list of browser origins (`CORS_ALLOWED_ORIGINS`). A request whose `Origin`
 * is listed gets `access-control-allow-origin` with that origin (never `*`) and `vary: origin`;
 * any other request, and every request when the list is empty, gets no CORS header at all.
 */
export class CorsPolicy {
  /** Build from `CORS_ALLOWED_ORIGINS` (comma-separated origins; absent means no CORS). */
  public static fromEnv(env: Environment = process.env): CorsPolicy {
    return new CorsPolicy(parseList(env[ENV.CORS_ALLOWED_ORIGINS]));
  }

  private readonly origins: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    // Browsers send an origin without a trailing slash; a configured one would never match.
    this.origins = new Set(origins.map((o) => o.replace(/\/+$/, '')));
  }

  /** Headers to add to the response to `req`; empty unless its origin is allowed. */
  public headersFor(req: HttpRequest): Record<string, string> {
    const origin = this.allowedOrigin(req);
    return origin ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSE_HEADERS, 'vary': 'origin' } : {};
  }

  /**
   * The answer to a preflight (`OPTIONS` with `Access-Control-Request-Method`) from an allowed
   * origin, or undefined when `req` is not one (it is then routed like any other request).
   */
  public preflight(req: HttpRequest): HttpResponse | undefined {
    const origin = this.allowedOrigin(req);
    if (!origin || req.method !== 'OPTIONS' || !req.headers.has('access-control-request-method')) {
      return undefined;
    }
    return {
      statusCode: 204,
      headers: {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': ALLOW_METHODS,
        'access-control-allow-headers': ALLOW_HEADERS,
        'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
        'vary': 'origin',
        'cache-control': 'no-store',
      },
      body: '',
      isBase64Encoded: false,
    };
  }

  private allowedOrigin(req: HttpRequest): string | undefined {
    const origin = req.headers.get('origin');
    return origin !== undefined && this.origins.has(origin) ? origin : undefined;
  }
}
