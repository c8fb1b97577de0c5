/**
 * The usual alternative the default handler is measured against: fastify with @clerk/fastify for
 * the session token and @fastify/aws-lambda to adapt API Gateway events, pg and the Secrets
 * Manager client for the database, written as their documentation shows. Benchmark only.
 */
import { clerkPlugin, getAuth } from '@clerk/fastify';
import awsLambdaFastify from '@fastify/aws-lambda';
import Fastify from 'fastify';
import { now } from './database';

const env = process.env;

const app = Fastify();
// Read by @clerk/fastify itself: CLERK_PUBLISHABLE_KEY, CLERK_SECRET_KEY and CLERK_JWT_KEY (a PEM
// with real newlines); authorizedParties goes to every authenticateRequest.
app.register(clerkPlugin, {
  jwtKey: (env.CLERK_JWT_KEY ?? '').replace(/\\n/g, '\n'),
  authorizedParties: (env.CLERK_AUTHORIZED_PARTIES ?? '').split(',').map((p) => p.trim()).filter(Boolean),
} as Parameters<typeof clerkPlugin>[1]);
app.get('/health', async () => ({ status: 'ok', now: await now() }));
app.get('/me', async (request, reply) => {
  const { userId } = getAuth(request);
  if (!userId) {
    return reply.code(401).send({ error: 'unauthorized' });
  }
  return { userId, now: await now() };
});

export const handler = awsLambdaFastify(app);
