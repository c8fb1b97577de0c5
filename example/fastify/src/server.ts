// The fastify app: @clerk/fastify verifies session tokens networkless with the PEM key, Drizzle
// runs the queries, @fastify/aws-lambda turns API Gateway events into requests.
import { clerkPlugin, getAuth } from '@clerk/fastify';
import awsLambdaFastify from '@fastify/aws-lambda';
import { sql } from 'drizzle-orm';
import Fastify, { FastifyError } from 'fastify';
import { db } from './db';
// In your app: from 'secure-lambda-postgres/lib/runtime/...'.
import { normalisePem, parseList } from '../../../src/runtime/config';
import { withRotationRetry } from '../../../src/runtime/database-url';
import { classifyDatabaseError } from '../../../src/runtime/db-errors';
import { logger, summariseError } from '../../../src/runtime/log';

export const app = Fastify();

app.register(clerkPlugin, {
  // A PEM passed through the environment often arrives with literal "\n": Clerk would then
  // report every token as badly signed.
  jwtKey: normalisePem(process.env.CLERK_JWT_KEY ?? ''),
  // Passed on to every authenticateRequest, which enforces `azp`; the plugin's type leaves it out.
  authorizedParties: parseList(process.env.CLERK_AUTHORIZED_PARTIES),
} as Parameters<typeof clerkPlugin>[1]);

/** SELECT NOW() through the proxy; a password rotated under a warm container is re-read once. */
async function now(): Promise<string> {
  const { rows } = await withRotationRetry(() => db.execute<{ now: Date }>(sql`SELECT NOW() AS now`));
  return new Date(rows[0].now).toISOString();
}

app.get('/health', async () => ({ status: 'ok', now: await now() }));

app.get('/me', async (request, reply) => {
  const { userId } = getAuth(request);
  if (!userId) {
    return reply.code(401).send({ error: 'unauthorized', reason: request.headers.authorization ? 'invalid-token' : 'missing-token' });
  }
  return { userId, now: await now() };
});

app.setErrorHandler((err: FastifyError, _request, reply) => {
  // Drizzle wraps the driver's error: classify what it wraps. Never a stack trace in a response.
  const unavailable = classifyDatabaseError(err.cause ?? err) !== 'other';
  logger.error(unavailable ? 'db.unavailable' : 'request.failed', { error: summariseError(err.cause ?? err) });
  if (unavailable) {
    void reply.code(503).header('retry-after', '1').send({ error: 'service_unavailable' });
  } else {
    void reply.code(err.statusCode ?? 500).send({ error: 'internal_error' });
  }
});

export const proxy = awsLambdaFastify(app);
