// A browser reads an error only when the response carries CORS headers: API Gateway's own answers
// (missing token, unknown path, throttling, integration failures) must name the caller's origin too.
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { synth } from '../util';

const APP = 'https://app.example.com';
const ADMIN = 'https://admin.example.com';
const ALLOW_ORIGIN = 'gatewayresponse.header.Access-Control-Allow-Origin';
const VARY = 'gatewayresponse.header.Vary';

/** The API's gateway responses by response type. */
function gatewayResponses(template: ReturnType<typeof synth>['template']): Record<string, any> {
  const out: Record<string, any> = {};
  for (const r of Object.values<any>(template.findResources('AWS::ApiGateway::GatewayResponse'))) {
    out[r.Properties.ResponseType] = r.Properties;
  }
  return out;
}

describe('one allowed origin', () => {
  const responses = gatewayResponses(synth({ clerkAuthorizedParties: [APP] }).template);

  test('every gateway response names it literally, with Vary: Origin', () => {
    expect(Object.keys(responses).sort()).toEqual(['BAD_REQUEST_PARAMETERS', 'DEFAULT_4XX', 'DEFAULT_5XX', 'MISSING_AUTHENTICATION_TOKEN']);
    for (const response of Object.values(responses)) {
      expect(response.ResponseParameters).toMatchObject({ [ALLOW_ORIGIN]: `'${APP}'`, [VARY]: "'Origin'" });
    }
  });

  test("the default handler's 401 and 404 keep their status, headers and bodies", () => {
    expect(responses.BAD_REQUEST_PARAMETERS).toMatchObject({
      StatusCode: '401',
      ResponseParameters: { 'gatewayresponse.header.WWW-Authenticate': "'Bearer'", 'gatewayresponse.header.Cache-Control': "'no-store'" },
      ResponseTemplates: { 'application/json': '{"error":"unauthorized","reason":"missing-token"}' },
    });
    expect(responses.MISSING_AUTHENTICATION_TOKEN).toMatchObject({ StatusCode: '404', ResponseTemplates: { 'application/json': '{"error":"not_found"}' } });
  });

  test("DEFAULT_4XX and DEFAULT_5XX change only the headers: each type's status and API Gateway's message body stay", () => {
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
      expect(responses[type].StatusCode).toBeUndefined();
      expect(responses[type].ResponseTemplates).toEqual({ 'application/json': '{"message":$context.error.messageString}' });
    }
  });

  test('throttling (429) and the integration timeout (504) are left to DEFAULT_4XX and DEFAULT_5XX', () => {
    expect(responses.THROTTLED).toBeUndefined();
    expect(responses.INTEGRATION_TIMEOUT).toBeUndefined();
  });
});

describe('several allowed origins', () => {
  test("the gateway responses echo the request's Origin: a static header can name only one", () => {
    const responses = gatewayResponses(synth({ clerkAuthorizedParties: [APP, ADMIN] }).template);
    expect(Object.keys(responses)).toHaveLength(4);
    for (const response of Object.values(responses)) {
      expect(response.ResponseParameters).toMatchObject({ [ALLOW_ORIGIN]: 'method.request.header.Origin', [VARY]: "'Origin'" });
    }
  });
});

describe('your own functionCode', () => {
  test('gets CORS on DEFAULT_4XX and DEFAULT_5XX only', () => {
    const { template } = synth({
      clerkAuthorizedParties: [APP],
      functionCode: lambda.Code.fromInline('exports.handler = async () => ({})'),
      functionHandler: 'index.handler',
    });
    const responses = gatewayResponses(template);
    expect(Object.keys(responses).sort()).toEqual(['DEFAULT_4XX', 'DEFAULT_5XX']);
    expect(responses.DEFAULT_4XX.ResponseParameters).toEqual({ [ALLOW_ORIGIN]: `'${APP}'`, [VARY]: "'Origin'" });
  });
});

describe('CORS off', () => {
  test.each([
    ['no authorized parties', {}],
    ['apiCorsAllowedOrigins: []', { clerkAuthorizedParties: [APP], apiCorsAllowedOrigins: [] }],
  ])('%s: only the default handler\'s two gateway responses, without CORS headers', (_, props) => {
    const responses = gatewayResponses(synth(props).template);
    expect(Object.keys(responses).sort()).toEqual(['BAD_REQUEST_PARAMETERS', 'MISSING_AUTHENTICATION_TOKEN']);
    expect(responses.BAD_REQUEST_PARAMETERS.ResponseParameters).toEqual({
      'gatewayresponse.header.WWW-Authenticate': "'Bearer'",
      'gatewayresponse.header.Cache-Control': "'no-store'",
    });
    expect(responses.MISSING_AUTHENTICATION_TOKEN.ResponseParameters).toBeUndefined();
  });

  test("'*' is refused at synth: the API allows listed origins only", () => {
    expect(() => synth({ apiCorsAllowedOrigins: ['*'] })).toThrow(/no '\*'/);
  });
});
