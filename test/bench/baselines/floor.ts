/**
 * The floor the default handler is measured against: the least a handler can do for the same
 * routes and the same environment — jose to verify the session token, pg to query, the Secrets
 * Manager client to read the password — written the usual way (imports at the top, one pool).
 * No logging, no retries, no deadline. Benchmark only; never shipped.
 */
// jose 6 ships only ES modules: TypeScript's node16 mode refuses to type a CommonJS import of
// it, while esbuild bundles it into the CommonJS output like any other dependency.
// @ts-expect-error TS1479
import { importSPKI, jwtVerify } from 'jose';
import { now } from './database';

type Event = { path?: string; rawPath?: string; headers?: Record<string, string | undefined> };
type Response = { statusCode: number; headers: Record<string, string>; body: string };

const env = process.env;
const parties = (env.CLERK_AUTHORIZED_PARTIES ?? '').split(',').map((p) => p.trim()).filter(Boolean);
const publicKey = importSPKI((env.CLERK_JWT_KEY ?? '').replace(/\\n/g, '\n'), 'RS256');

const json = (statusCode: number, body: unknown): Response =>
  ({ statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export async function handler(event: Event): Promise<Response> {
  try {
    const path = event.path ?? event.rawPath;
    if (path === '/health') {
      return json(200, { status: 'ok', now: await now() });
    }
    if (path !== '/me') {
      return json(404, { error: 'not_found' });
    }
    const token = (event.headers?.authorization ?? event.headers?.Authorization ?? '').replace(/^Bearer\s+/i, '');
    let userId: string | undefined;
    try {
      const { payload } = await jwtVerify(token, await publicKey, { algorithms: ['RS256'] });
      userId = parties.length === 0 || parties.includes(String(payload.azp)) ? payload.sub : undefined;
    } catch {
      userId = undefined;
    }
    return userId ? json(200, { userId, now: await now() }) : json(401, { error: 'unauthorized' });
  } catch {
    return json(503, { error: 'service_unavailable' });
  }
}
