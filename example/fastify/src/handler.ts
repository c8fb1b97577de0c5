// The Lambda entry point (`index.handler`). The app's modules read DATABASE_URL and the Clerk keys
// when they are loaded, so they are loaded only after both are set: a dynamic import, which
// esbuild bundles inline and evaluates when it is reached (top-level await needs an ES module).
// In your app: from 'secure-lambda-postgres/lib/runtime/...'.
import { extractSecretKey } from '../../../src/runtime/clerk';
import { exportDatabaseUrl } from '../../../src/runtime/database-url';
import { DatabaseUnavailableError } from '../../../src/runtime/db-errors';
import { defaultSecretCache } from '../../../src/runtime/secrets';

type Server = typeof import('./server.js');

/** @clerk/fastify wants CLERK_SECRET_KEY; deployed, it is read from the secret the construct grants. */
async function exportClerkSecretKey(): Promise<void> {
  const arn = process.env.CLERK_SECRET_KEY_ARN;
  if (!process.env.CLERK_SECRET_KEY && arn) {
    process.env.CLERK_SECRET_KEY = extractSecretKey(await defaultSecretCache().getString(arn)) ?? '';
  }
}

let loading: Promise<Server> | undefined;

/** Set the variables, then load the app; a failure (secret unreadable) is retried by the next invocation. */
function server(): Promise<Server> {
  loading ??= Promise.all([exportDatabaseUrl(), exportClerkSecretKey()])
    .then(() => import('./server.js'))
    .catch((err: unknown) => {
      loading = undefined;
      throw err;
    });
  return loading;
}
// Start during Init, so the first request finds the secret read and the app loaded.
server().catch(() => undefined);

const isHttpEvent = (event: Record<string, unknown>) => 'httpMethod' in event || 'routeKey' in event;

export async function handler(event: Record<string, unknown>, context: object): Promise<unknown> {
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
    // A direct invocation (test case 1): the health route's answer, through the app.
    const res = await app.app.inject({ method: 'GET', url: '/health' });
    return res.json();
  }
  return app.proxy(event as never, context as never);
}
