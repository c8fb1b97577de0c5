import { ROUTES } from '../contract';
import { ClerkVerifier } from '../runtime/clerk';
import { ConfigurationError } from '../runtime/config';
import { CorsPolicy } from '../runtime/cors';
import { Database, DatabaseUnavailableError } from '../runtime/db';
import { Deadline, DeadlineExceededError, RemainingTime } from '../runtime/deadline';
import { errorResponse, HttpRequest, HttpResponse, jsonResponse, parseHttpEvent } from '../runtime/http';
import { logEnabled, logger, summariseError } from '../runtime/log';

/** The fields of the Lambda context object this handler reads. */
interface LambdaContext extends RemainingTime {
  readonly awsRequestId?: string;
}

/** What a direct invocation (no HTTP envelope) returns. */
export interface HealthResult {
  readonly status: 'ok' | 'error';
  readonly now?: string;
  readonly error?: string;
}

// Per container, created on first use: one connection, one verifier (and its cache), one policy.
let database: Database | undefined;
let verifier: ClerkVerifier | undefined;
let cors: CorsPolicy | undefined;
let coldStart = true;

function getDatabase(): Database {
  database ??= Database.fromEnv();
  return database;
}

function getVerifier(): ClerkVerifier {
  verifier ??= ClerkVerifier.fromEnv();
  return verifier;
}

function getCors(): CorsPolicy {
  cors ??= CorsPolicy.fromEnv();
  return cors;
}

/** The dependencies did not answer in time: the client may try again shortly. */
const unavailable = (reason: string) => errorResponse(503, 'service_unavailable', reason, { 'retry-after': '1' });

const ALLOWED_METHODS: Record<string, readonly string[]> = {
  [ROUTES.HEALTH]: ['GET'],
  [ROUTES.ME]: ['GET'],
};

async function connectEarly(deadline: Deadline): Promise<void> {
  try {
    await getDatabase().connect(deadline);
  } catch {
    // A configuration error is reported by the statement that follows.
  }
}

/** The time from the database, or the error response to send instead. */
async function databaseNow(deadline: Deadline): Promise<{ now: string } | { failure: HttpResponse; code: string }> {
  try {
    const now = await getDatabase().now(deadline);
    return { now: now.toISOString() };
  } catch (err) {
    if (err instanceof ConfigurationError) {
      logger.error('config.invalid', { error: summariseError(err) });
      return { failure: errorResponse(500, 'server_misconfigured', 'database-not-configured'), code: 'database-not-configured' };
    }
    if (err instanceof DatabaseUnavailableError) {
      const reason = err.reason === 'secret-unavailable' ? 'secret-unavailable' : 'database-unavailable';
      return { failure: unavailable(reason), code: reason };
    }
    logger.error('db.query-failed', { error: summariseError(err) });
    return { failure: errorResponse(500, 'internal_error'), code: 'internal-error' };
  }
}

async function route(req: HttpRequest, deadline: Deadline): Promise<HttpResponse> {
  const allowed = ALLOWED_METHODS[req.path];
  if (!allowed) {
    return errorResponse(404, 'not_found');
  }
  const preflight = getCors().preflight(req);
  if (preflight) {
    return preflight;
  }
  if (!allowed.includes(req.method)) {
    return errorResponse(405, 'method_not_allowed', undefined, { allow: allowed.join(', ') });
  }
  if (req.path === ROUTES.HEALTH) {
    const result = await databaseNow(deadline);
    return 'failure' in result ? result.failure : jsonResponse(200, { status: 'ok', now: result.now });
  }
  // ROUTES.ME. A cold container connects while it verifies the token: the connection's network
  // round trips overlap the verification's CPU work (the connection is needed for /health anyway).
  void connectEarly(deadline);
  const auth = await getVerifier().verifyAuthorizationHeader(req.headers.get('authorization'), deadline);
  if (!auth.ok) {
    const headers: Record<string, string> = auth.status === 401 ? { 'www-authenticate': 'Bearer error="invalid_token"' }
      : auth.status === 503 ? { 'retry-after': '1' } : {};
    return errorResponse(auth.status, auth.error, auth.reason, headers);
  }
  const result = await databaseNow(deadline);
  return 'failure' in result ? result.failure : jsonResponse(200, { userId: auth.userId, now: result.now });
}

/**
 * The response to an HTTP request, never later than the deadline: every wait inside is bounded
 * by it, and this guard answers 503 should one not be.
 */
async function respond(req: HttpRequest, deadline: Deadline, requestId: string | undefined): Promise<HttpResponse> {
  let response: HttpResponse;
  try {
    response = await deadline.guard(route(req, deadline), 'the request');
  } catch (err) {
    if (err instanceof DeadlineExceededError) {
      logger.error('request.deadline-exceeded', { requestId, error: summariseError(err) });
      response = unavailable('timeout');
    } else {
      logger.error('request.failed', { requestId, error: summariseError(err) });
      response = errorResponse(500, 'internal_error');
    }
  }
  const corsHeaders = getCors().headersFor(req);
  return Object.keys(corsHeaders).length === 0 ? response : { ...response, headers: { ...response.headers, ...corsHeaders } };
}

/** A direct invocation's health check, never later than the deadline. */
async function directHealth(deadline: Deadline): Promise<HealthResult> {
  try {
    const result = await deadline.guard(databaseNow(deadline), 'the health check');
    return 'failure' in result ? { status: 'error', error: result.code } : { status: 'ok', now: result.now };
  } catch (err) {
    logger.error('request.deadline-exceeded', { error: summariseError(err) });
    return { status: 'error', error: 'timeout' };
  }
}

/**
 * The default handler. API Gateway REST (v1) and HTTP API (v2) events are routed:
 * `GET /health` → `{ status, now }`, `GET /me` (Clerk session token) → `{ userId, now }`.
 * Any other event is a direct invocation and runs the `SELECT NOW()` health check.
 */
export async function handler(event: unknown, context?: LambdaContext): Promise<HttpResponse | HealthResult> {
  const started = Date.now();
  const deadline = Deadline.forInvocation(context);
  const wasCold = coldStart;
  coldStart = false;
  const requestId = context?.awsRequestId;
  const req = parseHttpEvent(event);

  if (!req) {
    const out = await directHealth(deadline);
    logger.info('invoke.direct', { requestId, coldStart: wasCold, status: out.status, error: out.error, durationMs: Date.now() - started });
    return out;
  }

  const response = await respond(req, deadline, requestId);
  // Every failure and each container's first request at info; a warm success only at debug
  // (AWS_LAMBDA_LOG_LEVEL=debug): API Gateway's access log and Lambda's REPORT line already
  // record it, and a line per request is the largest cost of a warm invocation after the query.
  const level = wasCold || response.statusCode >= 400 ? 'info' : 'debug';
  if (!logEnabled(level)) {
    return response;
  }
  let reason: string | undefined;
  if (response.statusCode >= 400) {
    try {
      reason = (JSON.parse(response.body) as { reason?: string }).reason;
    } catch {
      reason = undefined;
    }
  }
  logger[level]('request', {
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
