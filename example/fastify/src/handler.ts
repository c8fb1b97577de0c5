// The Lambda entry point (`index.handler`): fastify + @clerk/fastify + Drizzle.
import { lambdaHandler } from './lambda';

export const handler = lambdaHandler(async () => {
  const [{ createServer }, { now }] = await Promise.all([import('./server.js'), import('./db.js')]);
  return createServer(now);
});
