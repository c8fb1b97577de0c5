// API Gateway's answers around the integration, with real function containers: 504 when the
// integration outlasts API Gateway's limit, 403 for a path without a resource, 500 for an
// integration the local stack does not run, 400 for a missing required parameter, and the API's
// own gateway responses in place of any of these.
import { serveGateway, ServedGateway } from './gateway-harness';
import { ApiSpec } from '../../src/local/assembly/model';
import { Gateway } from '../../src/local/services/api-gateway/gateway';

const none = { headers: [], querystrings: [] };
const api: ApiSpec = {
  logicalId: 'Api',
  stageName: 'prod',
  resources: [
    { path: '/{proxy+}', methods: { ANY: { kind: 'lambda', ours: true, required: none } } },
    { path: '/other', methods: { GET: { kind: 'lambda', ours: false, required: none } } },
    { path: '/guarded', methods: { GET: { kind: 'lambda', ours: true, required: { headers: ['Authorization'], querystrings: ['v'] } } } },
  ],
  gatewayResponses: {},
};
const customised: ApiSpec = {
  ...api,
  gatewayResponses: {
    BAD_REQUEST_PARAMETERS: { statusCode: 401, headers: { 'WWW-Authenticate': 'Bearer' }, body: '{"error":"unauthorized","reason":"missing-token"}' },
    MISSING_AUTHENTICATION_TOKEN: { statusCode: 404, headers: {}, body: '{"error":"not_found"}' },
    DEFAULT_5XX: { headers: { 'X-Custom': 'yes' } },
  },
};

let served: ServedGateway;
let base: string;
let gateway: Gateway;
const platform: string[] = [];

beforeAll(async () => {
  served = await serveGateway(api,
    "exports.handler = async (e) => e.path === '/slow' ? new Promise(() => {}) : { statusCode: 200, body: '{\"ok\":true}' };",
    (line) => platform.push(line), 300);
  ({ gateway, base } = served);
});
afterAll(() => served.stop());

const get = async (p: string) => {
  const res = await fetch(base + p);
  return { status: res.status, body: await res.json(), type: res.headers.get('x-amzn-errortype') };
};

test('an integration that outlasts API Gateway is answered 504, and other requests are served meanwhile', async () => {
  const started = Date.now();
  expect(await get('/slow')).toEqual({ status: 504, body: { message: 'Endpoint request timed out' }, type: 'InternalServerErrorException' });
  expect(Date.now() - started).toBeLessThan(3000);
  expect(await get('/fast')).toEqual({ status: 200, body: { ok: true }, type: null });
  expect(platform).toContainEqual(expect.stringMatching(/^Execution failed: Endpoint request timed out/));
});

test('no resource for the path, and an integration the local stack does not run', async () => {
  expect(await get('')).toEqual({ status: 403, body: { message: 'Missing Authentication Token' }, type: 'MissingAuthenticationTokenException' });
  expect(await get('/other')).toEqual({ status: 500, body: { message: 'Internal server error' }, type: 'InternalServerErrorException' });
  expect(platform).toContainEqual('GET /other: this integration (another function) is not emulated locally');
});

test('a required header or query parameter missing: 400 before the function runs', async () => {
  const started = platform.length;
  expect(await get('/guarded?v=1')).toEqual({ status: 400, body: { message: 'Missing required request parameters: [Authorization]' }, type: 'BadRequestException' });
  const both = await fetch(`${base}/guarded`, { headers: { authorization: 'Bearer x' } });
  expect(await both.json()).toEqual({ message: 'Missing required request parameters: [v]' });
  expect((await fetch(`${base}/guarded?v=1`, { headers: { authorization: 'Bearer x' } })).status).toBe(200);
  expect(platform.slice(started).filter((l) => l.startsWith('REPORT'))).toHaveLength(1);
});

test("the API's gateway responses replace API Gateway's own answers", async () => {
  gateway.update(customised);
  try {
    const missing = await fetch(`${base}/guarded?v=1`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(await missing.json()).toEqual({ error: 'unauthorized', reason: 'missing-token' });
    expect(await get('')).toEqual({ status: 404, body: { error: 'not_found' }, type: 'MissingAuthenticationTokenException' });
    const unsupported = await fetch(`${base}/other`);
    expect(unsupported.status).toBe(500);
    expect(unsupported.headers.get('x-custom')).toBe('yes');
  } finally {
    gateway.update(api);
  }
});
