// The Lambda entry point of the Prisma variant (`index.handler`): fastify + @clerk/fastify + Prisma.
import { lambdaHandler } from './lambda';

export const handler = lambdaHandler(async () => {
  const [{ createServer }, { now }] = await Promise.all([import('./server.js'), import('./db-prisma.js')]);
  return createServer(now);
});
