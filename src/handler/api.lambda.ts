import { ROUTES } from '../contract';
import { ClerkVerifier } from '../runtime/clerk';
import { ConfigurationError } from '../runtime/config';
import { Database, DatabaseUnavailableError } from '../runtime/db';
import { errorResponse, HttpRequest, HttpResponse, jsonResponse, parseHttpEvent } from '../runtime/http';
import { logger, summariseError } from '../runtime/log';

/** The fields of the Lambda context object this handler reads. */
interface LambdaContext {
  readonly awsRequestId?: string;
}

/** What a direct invocation (no HTTP envelope) returns. */
export interface HealthResult {
  readonly status: 'ok' | 'error';
  readonly now?: string;
  readonly error?: string;
}

// Per container, created on first use: one pool (one connection) and one verifier.
let database: Database | undefined;
let verifier: ClerkVerifier | undefined;
let coldStart = true;

function getDatabase(): Database {
  database ??= Database.fromEnv();
  return database;
}

function getVerifier(): ClerkVerifier {
  verifier ??= ClerkVerifier.fromEnv();
  return verifier;
}

const ALLOWED_METHODS: Record<string, readonly string[]> = {
  [ROUTES.HEALTH]: ['GET'],
  [ROUTES.ME]: ['GET'],
};

/** The time from the database, or the error response to send instead. */
async function databaseNow(): Promise<{ now: string } | { failure: HttpResponse; code: string }> {
  try {
    const now = await getDatabase().now();
    return { now: now.toISOString() };
  } catch (err) {
    if (err instanceof ConfigurationError) {
      logger.error('config.invalid', { error: summariseError(err) });
      return { failure: errorResponse(500, 'server_misconfigured', 'database-not-configured'), code: 'database-not-configured' };
    }
    if (err instanceof DatabaseUnavailableError) {
      const reason = err.reason === 'secret-unavailable' ? 'secret-unavailable' : 'database-unavailable';
      return { failure: errorResponse(503, 'service_unavailable', reason, { 'retry-after': '1' }), code: reason };
    }
    logger.error('db.query-failed', { error: summariseError(err) });
    return { failure: errorResponse(500, 'internal_error'), code: 'internal-error' };
  }
}

async function route(req: HttpRequest): Promise<HttpResponse> {
  const allowed = ALLOWED_METHODS[req.path];
  if (!allowed) {
    return errorResponse(404, 'not_found');
  }
  if (!allowed.includes(req.method)) {
    return errorResponse(405, 'method_not_allowed', undefined, { allow: allowed.join(', ') });
  }
  if (req.path === ROUTES.HEALTH) {
    const result = await databaseNow();
    return 'failure' in result ? result.failure : jsonResponse(200, { status: 'ok', now: result.now });
  }
  // ROUTES.ME
  const auth = await getVerifier().verifyAuthorizationHeader(req.headers.get('authorization'));
  if (!auth.ok) {
    const headers: Record<string, string> = auth.status === 401 ? { 'www-authenticate': 'Bearer error="invalid_token"' } : {};
    return errorResponse(auth.status, auth.error, auth.reason, headers);
  }
  const result = await databaseNow();
  return 'failure' in result ? result.failure : jsonResponse(200, { userId: auth.userId, now: result.now });
}

/**
 * The default handler. API Gateway REST (v1) and HTTP API (v2) events are routed:
 * `GET /health` → `{ status, now }`, `GET /me` (Clerk session token) → `{ userId, now }`.
 * Any other event is a direct invocation and runs the `SELECT NOW()` health check.
 */
export async function handler(event: unknown, context?: LambdaContext): Promise<HttpResponse | HealthResult> {
  const started = Date.now();
  const wasCold = coldStart;
  coldStart = false;
  const requestId = context?.awsRequestId;
  const req = parseHttpEvent(event);

  if (!req) {
    const result = await databaseNow();
    const out: HealthResult = 'failure' in result ? { status: 'error', error: result.code } : { status: 'ok', now: result.now };
    logger.info('invoke.direct', { requestId, coldStart: wasCold, status: out.status, error: out.error, durationMs: Date.now() - started });
    return out;
  }

  let response: HttpResponse;
  try {
    response = await route(req);
  } catch (err) {
    logger.error('request.failed', { requestId, error: summariseError(err) });
    response = errorResponse(500, 'internal_error');
  }
  let reason: string | undefined;
  if (response.statusCode >= 400) {
    try {
      reason = (JSON.parse(response.body) as { reason?: string }).reason;
    } catch {
      reason = undefined;
    }
  }
  logger.info('request', {
    requestId,
    apiRequestId: req.requestId,
    coldStart: wasCold,
    method: req.method,
    path: req.path,
    status: response.statusCode,
    reason,
    durationMs: Date.now() - started,
  });
  return response;
}
