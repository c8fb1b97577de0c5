// The local API answers a browser's failed request the way API Gateway would with the synthesized
// gateway responses: the 401, 404, 429 and 504 that never reach (or never come back from) the
// function carry the CORS headers, so the browser's script sees the status instead of a CORS error.
import { serveGateway, ServedGateway } from './gateway-harness';
import { SecureLambdaPostgresProps } from '../../src';
import { readApi } from '../../src/local/assembly/api';
import { ApiSpec } from '../../src/local/assembly/model';
import { Gateway } from '../../src/local/services/api-gateway/gateway';
import { synth } from '../util';

const APP = 'https://app.example.com';
const ADMIN = 'https://admin.example.com';

/** The API as the local stack reads it from the synthesized template; one request a second. */
function apiOf(props: SecureLambdaPostgresProps): ApiSpec {
  const { stack, backend, template } = synth({ ...props, apiThrottlingRateLimit: 1, apiThrottlingBurstLimit: 1 });
  const id = (c: any) => stack.getLogicalId(c.node.defaultChild);
  return readApi(template.toJSON(), id(backend.api), id(backend.api.deploymentStage), id(backend.function));
}

let served: ServedGateway;
let base: string;
let gateway: Gateway;
let oneOrigin: ApiSpec;
let twoOrigins: ApiSpec;

beforeAll(async () => {
  oneOrigin = apiOf({ clerkAuthorizedParties: [APP] });
  twoOrigins = apiOf({ clerkAuthorizedParties: [APP, ADMIN] });
  // A function that never answers: the integration times out.
  served = await serveGateway(oneOrigin, 'exports.handler = () => new Promise(() => {});', () => undefined, 300);
  ({ gateway, base } = served);
}, 60_000);
afterAll(() => served.stop());

/** A fresh stage (a full token bucket), then one request from `origin`. */
async function request(api: ApiSpec, p: string, origin?: string, headers: Record<string, string> = {}) {
  gateway.update(api);
  return call(p, origin, headers);
}
async function call(p: string, origin?: string, headers: Record<string, string> = {}) {
  const res = await fetch(base + p, { headers: { ...headers, ...(origin ? { origin } : {}) } });
  return { status: res.status, origin: res.headers.get('access-control-allow-origin'), vary: res.headers.get('vary'), body: await res.json() };
}

describe('one allowed origin', () => {
  test('a /me without Authorization: 401 with the origin', async () => {
    expect(await request(oneOrigin, '/me', APP)).toEqual({ status: 401, origin: APP, vary: 'Origin', body: { error: 'unauthorized', reason: 'missing-token' } });
  });

  test('an unknown path: 404 with the origin', async () => {
    expect(await request(oneOrigin, '/nowhere', APP)).toEqual({ status: 404, origin: APP, vary: 'Origin', body: { error: 'not_found' } });
  });

  test('throttled: 429 with the origin, from DEFAULT_4XX', async () => {
    expect((await request(oneOrigin, '/nowhere', APP)).status).toBe(404);
    expect(await call('/nowhere', APP)).toEqual({ status: 429, origin: APP, vary: 'Origin', body: { message: 'Too Many Requests' } });
  });

  test('the function outlasts API Gateway: 504 with the origin, from DEFAULT_5XX', async () => {
    const timedOut = await request(oneOrigin, '/me', APP, { authorization: 'Bearer x' });
    expect(timedOut).toEqual({ status: 504, origin: APP, vary: 'Origin', body: { message: 'Endpoint request timed out' } });
  });
});

describe('several allowed origins', () => {
  test("each caller's origin is echoed on the 401, 404 and 429", async () => {
    expect(await request(twoOrigins, '/me', ADMIN)).toMatchObject({ status: 401, origin: ADMIN, vary: 'Origin' });
    expect(await request(twoOrigins, '/nowhere', APP)).toMatchObject({ status: 404, origin: APP, vary: 'Origin' });
    expect(await call('/nowhere', ADMIN)).toMatchObject({ status: 429, origin: ADMIN, vary: 'Origin' });
  });

  test('a request without Origin gets no Access-Control-Allow-Origin', async () => {
    expect(await request(twoOrigins, '/nowhere')).toMatchObject({ status: 404, origin: null, vary: 'Origin' });
  });
});
