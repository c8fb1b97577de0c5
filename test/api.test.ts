import { Match } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { synth } from './util';
import { CORS_MAX_AGE_SECONDS } from '../src/runtime/cors';

const PARTIES = ['https://app.example.com', 'https://admin.example.com'];

/** The API's methods as `METHOD /path` (root `/`), from the template's resources. */
function routes(template: ReturnType<typeof synth>['template']): string[] {
  const resources = template.findResources('AWS::ApiGateway::Resource');
  const pathOf = (ref: any): string => {
    if (ref['Fn::GetAtt']) return '';
    const r = resources[ref.Ref];
    return `${pathOf(r.Properties.ParentId)}/${r.Properties.PathPart}`;
  };
  return Object.values<any>(template.findResources('AWS::ApiGateway::Method'))
    .map(m => `${m.Properties.HttpMethod} ${pathOf(m.Properties.ResourceId) || '/'}`)
    .sort();
}

describe('REST API of the default handler', () => {
  const { template } = synth({ clerkAuthorizedParties: PARTIES });

  test('declares the two routes; other methods on them reach the function, which answers 405', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
    expect(routes(template)).toEqual([
      'ANY /health', 'ANY /me', 'GET /health', 'GET /me',
      'OPTIONS /', 'OPTIONS /health', 'OPTIONS /me',
    ]);
  });

  test('validates requests: GET /me must carry Authorization, else the same JSON 401 the function gives', () => {
    template.resourceCountIs('AWS::ApiGateway::RequestValidator', 1);
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
    const methods = Object.values<any>(template.findResources('AWS::ApiGateway::Method'));
    const getMe = methods.find(m => m.Properties.HttpMethod === 'GET' && m.Properties.RequestParameters);
    expect(getMe.Properties.RequestParameters).toEqual({ 'method.request.header.Authorization': true });
    expect(methods.filter(m => m.Properties.HttpMethod === 'GET').every(m => m.Properties.RequestValidatorId)).toBe(true);
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'BAD_REQUEST_PARAMETERS',
      StatusCode: '401',
      ResponseParameters: { 'gatewayresponse.header.WWW-Authenticate': "'Bearer'" },
      ResponseTemplates: { 'application/json': '{"error":"unauthorized","reason":"missing-token"}' },
    });
  });

  test('an unknown path gets a JSON 404 from API Gateway, not its 403 "Missing Authentication Token"', () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'MISSING_AUTHENTICATION_TOKEN',
      StatusCode: '404',
      ResponseTemplates: { 'application/json': '{"error":"not_found"}' },
    });
  });

  test('answers CORS preflight for exactly the authorized parties, with Authorization allowed', () => {
    const preflights = Object.values<any>(template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'OPTIONS' } }));
    expect(preflights).toHaveLength(3);
    for (const method of preflights) {
      expect(method.Properties.Integration.Type).toBe('MOCK');
      const [response] = method.Properties.Integration.IntegrationResponses;
      const headers = response.ResponseParameters;
      expect(headers['method.response.header.Access-Control-Allow-Headers']).toBe("'Authorization,Content-Type'");
      expect(headers['method.response.header.Access-Control-Allow-Methods']).toBe("'GET,OPTIONS'");
      expect(headers['method.response.header.Vary']).toBe("'Origin'");
      // As long as the function's own preflight answer says.
      expect(headers['method.response.header.Access-Control-Max-Age']).toBe(`'${CORS_MAX_AGE_SECONDS}'`);
      // API Gateway writes the first origin, and the template swaps in the second when it is the caller.
      expect(headers['method.response.header.Access-Control-Allow-Origin']).toBe(`'${PARTIES[0]}'`);
      expect(response.ResponseTemplates['application/json']).toContain(`#if($origin == "${PARTIES[1]}")`);
      expect(JSON.stringify(method)).not.toContain("'*'");
    }
  });

  test('tells the function which origins get CORS headers', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CORS_ALLOWED_ORIGINS: PARTIES.join(',') }) },
    });
  });
});

describe('REST API options', () => {
  test('no authorized parties and no origins: no CORS at all', () => {
    const { template } = synth();
    template.resourcePropertiesCountIs('AWS::ApiGateway::Method', { HttpMethod: 'OPTIONS' }, 0);
    const fn = Object.values<any>(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler', Runtime: 'nodejs24.x' } }))[0];
    expect(fn.Properties.Environment.Variables.CORS_ALLOWED_ORIGINS).toBeUndefined();
  });

  test('apiCorsAllowedOrigins overrides the origins; [] turns CORS off', () => {
    const custom = synth({ clerkAuthorizedParties: PARTIES, apiCorsAllowedOrigins: ['https://web.example.org'] }).template;
    custom.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'OPTIONS',
      Integration: { IntegrationResponses: [Match.objectLike({ ResponseParameters: Match.objectLike({ 'method.response.header.Access-Control-Allow-Origin': "'https://web.example.org'" }) })] },
    });
    const off = synth({ clerkAuthorizedParties: PARTIES, apiCorsAllowedOrigins: [] }).template;
    off.resourcePropertiesCountIs('AWS::ApiGateway::Method', { HttpMethod: 'OPTIONS' }, 0);
  });

  test('your own functionCode gets every path and method, with no validator to pretend otherwise', () => {
    const { template } = synth({ functionCode: lambda.Code.fromInline('exports.handler = async () => ({})'), functionHandler: 'index.handler' });
    expect(routes(template)).toEqual(['ANY /', 'ANY /{proxy+}']);
    template.resourceCountIs('AWS::ApiGateway::RequestValidator', 0);
    template.resourceCountIs('AWS::ApiGateway::GatewayResponse', 0);
  });
});

describe('API options', () => {
  test('stage name, throttling and access-log retention', () => {
    const { template } = synth({
      apiStageName: 'v1',
      apiThrottlingRateLimit: 10,
      apiThrottlingBurstLimit: 20,
      apiAccessLogRetention: logs.RetentionDays.SIX_MONTHS,
      apiCloudWatchRole: false,
    });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 })],
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 180 });
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });
});

describe('WAF', () => {
  test('a web ACL is associated with the stage when given', () => {
    const arn = 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/api/abc';
    const { stack, backend, template } = synth({ apiWebAclArn: arn });
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: arn,
      ResourceArn: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ Ref: stack.getLogicalId(backend.api.node.defaultChild as any) }])] }),
    });
  });

  test('no association by default', () => {
    synth().template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  });
});
