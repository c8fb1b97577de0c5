// The Lambda side of the example: the app's modules read DATABASE_URL and the Clerk keys when they
// are loaded, so they are loaded only after both are set: a dynamic import, which esbuild bundles
// inline and evaluates when it is reached (top-level await would need an ES module).
// In your app: from 'secure-lambda-postgres/lib/runtime/...'.
import type { Server } from './server';
import { extractSecretKey } from '../../../src/runtime/clerk';
import { exportDatabaseUrl } from '../../../src/runtime/database-url';
import { DatabaseUnavailableError } from '../../../src/runtime/db-errors';
import { defaultSecretCache } from '../../../src/runtime/secrets';

type Handler = (event: Record<string, unknown>, context: object) => Promise<unknown>;

/** @clerk/fastify wants CLERK_SECRET_KEY; deployed, it is read from the secret the construct grants. */
async function exportClerkSecretKey(): Promise<void> {
  const arn = process.env.CLERK_SECRET_KEY_ARN;
  if (!process.env.CLERK_SECRET_KEY && arn) {
    process.env.CLERK_SECRET_KEY = extractSecretKey(await defaultSecretCache().getString(arn)) ?? '';
  }
}

const isHttpEvent = (event: Record<string, unknown>) => 'httpMethod' in event || 'routeKey' in event;

/**
 * The handler of an app that `load` imports once DATABASE_URL and CLERK_SECRET_KEY are set. Loading
 * starts during Init; a failure (the secret unreadable) is retried by the next invocation. A direct
 * invocation (test case 1) answers with the health route, through the app.
 */
export function lambdaHandler(load: () => Promise<Server>): Handler {
  let loading: Promise<Server> | undefined;
  const server = () => {
    loading ??= Promise.all([exportDatabaseUrl(), exportClerkSecretKey()]).then(load).catch((err: unknown) => {
      loading = undefined;
      throw err;
    });
    return loading;
  };
  server().catch(() => undefined);

  return async (event, context) => {
    let app: Server;
    try {
      app = await server();
    } catch (err) {
      if (err instanceof DatabaseUnavailableError && isHttpEvent(event)) {
        return { statusCode: 503, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'service_unavailable' }) };
      }
      throw err;
    }
    if (!isHttpEvent(event)) {
      return (await app.app.inject({ method: 'GET', url: '/health' })).json();
    }
    return app.proxy(event as never, context as never);
  };
}
