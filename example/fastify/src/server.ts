// The fastify app: @clerk/fastify verifies session tokens networkless with the PEM key, the ORM
// (Drizzle in db.ts, or Prisma in db-prisma.ts) runs the query, @fastify/aws-lambda turns API
// Gateway events into requests. Load it only once the environment is complete (see lambda.ts):
// @clerk/fastify reads its keys when it is imported.
import { clerkPlugin, getAuth } from '@clerk/fastify';
import awsLambdaFastify from '@fastify/aws-lambda';
import Fastify, { FastifyError } from 'fastify';
// In your app: from 'secure-lambda-postgres/lib/runtime/...'.
import { normalisePem, parseList } from '../../../src/runtime/config';
import { classifyDatabaseError } from '../../../src/runtime/db-errors';
import { logger, summariseError } from '../../../src/runtime/log';

/** The app and its Lambda adapter; `now` runs SELECT NOW() through the proxy. */
export function createServer(now: () => Promise<string>) {
  const app = Fastify();

  app.register(clerkPlugin, {
    // A PEM passed through the environment often arrives with literal "\n": Clerk would then
    // report every token as badly signed.
    jwtKey: normalisePem(process.env.CLERK_JWT_KEY ?? ''),
    // Passed on to every authenticateRequest, which enforces `azp`; the plugin's type leaves it out.
    authorizedParties: parseList(process.env.CLERK_AUTHORIZED_PARTIES),
  } as Parameters<typeof clerkPlugin>[1]);

  app.get('/health', async () => ({ status: 'ok', now: await now() }));

  app.get('/me', async (request, reply) => {
    const { userId } = getAuth(request);
    if (!userId) {
      return reply.code(401).send({ error: 'unauthorized', reason: request.headers.authorization ? 'invalid-token' : 'missing-token' });
    }
    return { userId, now: await now() };
  });

  app.setErrorHandler((err: FastifyError, _request, reply) => {
    // ORMs wrap the driver's error (Drizzle in `cause`, Prisma one level deeper): classify the chain.
    // Never a stack trace in a response.
    const chain = [err, err.cause, (err.cause as { cause?: unknown } | undefined)?.cause].filter((e) => e !== undefined);
    const unavailable = chain.some((e) => classifyDatabaseError(e) !== 'other');
    logger.error(unavailable ? 'db.unavailable' : 'request.failed', { error: summariseError(chain[chain.length - 1]) });
    if (unavailable) {
      void reply.code(503).header('retry-after', '1').send({ error: 'service_unavailable' });
    } else {
      void reply.code(err.statusCode ?? 500).send({ error: 'internal_error' });
    }
  });

  return { app, proxy: awsLambdaFastify(app) };
}

/** The app as the Lambda entry point loads it. */
export type Server = ReturnType<typeof createServer>;
