import { Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { DEFAULTS } from './defaults';
import { addCorsDefaultResponses, corsErrorHeaders } from './gateway-cors';
import { acknowledge, inPacks, managedPolicy, skipCheckov } from './nag';
import { physicalName } from './names';
import { RestApiOptions } from '../api-options';
import { ROUTES } from '../contract';
import { keepExceptOnFailedCreate } from './removal';
import { CORS_MAX_AGE_SECONDS } from '../runtime/cors';

/** What the REST API is built from, resolved by `SecureLambdaPostgres`. */
export interface RestApiSettings {
  readonly options: RestApiOptions;
  readonly handler: lambda.IFunction;
  readonly encryptionKey: kms.IKey;
  /**
   * Whether the function is the default handler, whose routes the API declares (and validates)
   * itself; any other code gets every path and method (`ANY /{proxy+}`).
   */
  readonly defaultHandlerRoutes: boolean;
  /** Browser origins that get CORS; empty for none. */
  readonly corsOrigins: string[];
}

/** The REST API and its access log group. */
export interface RestApiParts {
  readonly api: apigateway.LambdaRestApi;
  readonly accessLogGroup: logs.LogGroup;
}

/**
 * A regional REST API (`Api`) in front of the function: throttled, access-logged (`ApiAccessLogs`),
 * traced, execution errors logged without request data, CORS for the given origins only, and for
 * the default handler its two routes with request validation.
 */
export function createRestApi(scope: Construct, settings: RestApiSettings): RestApiParts {
  const { options } = settings;
  const accessLogGroup = new logs.LogGroup(scope, 'ApiAccessLogs', {
    retention: options.apiAccessLogRetention ?? DEFAULTS.apiAccessLogRetention,
    encryptionKey: settings.encryptionKey,
    removalPolicy: keepExceptOnFailedCreate(),
  });
  const api = new apigateway.LambdaRestApi(scope, 'Api', {
    handler: settings.handler,
    proxy: !settings.defaultHandlerRoutes,
    // API Gateway's metrics are keyed by API name: two APIs named alike would share them.
    restApiName: physicalName(scope, 'api', 128),
    description: 'Clerk-authenticated API backed by PostgreSQL',
    endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
    cloudWatchRole: options.apiCloudWatchRole ?? DEFAULTS.apiCloudWatchRole,
    defaultCorsPreflightOptions: settings.corsOrigins.length === 0 ? undefined : {
      allowOrigins: settings.corsOrigins,
      allowMethods: settings.defaultHandlerRoutes ? ['GET', 'OPTIONS'] : apigateway.Cors.ALL_METHODS,
      allowHeaders: ['Authorization', 'Content-Type'],
      // The function answers a preflight that reaches it (an HTTP API in front) the same way.
      maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
    },
    deployOptions: {
      stageName: options.apiStageName ?? DEFAULTS.apiStageName,
      throttlingRateLimit: options.apiThrottlingRateLimit ?? DEFAULTS.apiThrottlingRateLimit,
      throttlingBurstLimit: options.apiThrottlingBurstLimit ?? DEFAULTS.apiThrottlingBurstLimit,
      tracingEnabled: true,
      metricsEnabled: true,
      loggingLevel: apigateway.MethodLoggingLevel.ERROR,
      // Full request logging would write Authorization headers into the execution log.
      dataTraceEnabled: false,
      accessLogDestination: new apigateway.LogGroupLogDestination(accessLogGroup),
      accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields({
        caller: false,
        httpMethod: true,
        ip: true,
        protocol: true,
        requestTime: true,
        resourcePath: true,
        responseLength: true,
        status: true,
        user: false,
      }),
    },
  });
  if (settings.defaultHandlerRoutes) {
    declareDefaultRoutes(api, settings.corsOrigins);
  }
  addCorsDefaultResponses(api, settings.corsOrigins);
  if (options.apiWebAclArn) {
    new wafv2.CfnWebACLAssociation(scope, 'ApiWebAcl', {
      resourceArn: api.deploymentStage.stageArn,
      webAclArn: options.apiWebAclArn,
    });
  }
  acknowledgeApiRules(api, settings);
  return { api, accessLogGroup };
}

/**
 * `GET /health` and `GET /me` (which must carry `Authorization`), validated by API Gateway before
 * the function runs. Other methods on those paths reach the function, which answers 405 with
 * `Allow`; other paths get a JSON 404 from API Gateway, and a request to `/me` without
 * `Authorization` the same JSON 401 the function would give. Both carry the CORS headers
 * themselves: only a type left unspecified defaults to DEFAULT_4XX.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
 */
function declareDefaultRoutes(api: apigateway.LambdaRestApi, corsOrigins: readonly string[]): void {
  const requestValidator = api.addRequestValidator('RequestValidator', {
    validateRequestBody: true,
    validateRequestParameters: true,
  });
  const health = api.root.addResource(ROUTES.HEALTH.slice(1));
  health.addMethod('GET', undefined, { requestValidator });
  health.addMethod('ANY');
  const me = api.root.addResource(ROUTES.ME.slice(1));
  me.addMethod('GET', undefined, { requestValidator, requestParameters: { 'method.request.header.Authorization': true } });
  me.addMethod('ANY');
  api.addGatewayResponse('MissingToken', {
    type: apigateway.ResponseType.BAD_REQUEST_PARAMETERS,
    statusCode: '401',
    responseHeaders: { 'WWW-Authenticate': "'Bearer'", 'Cache-Control': "'no-store'", ...corsErrorHeaders(corsOrigins) },
    templates: { 'application/json': JSON.stringify({ error: 'unauthorized', reason: 'missing-token' }) },
  });
  api.addGatewayResponse('NotFound', {
    type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
    statusCode: '404',
    responseHeaders: corsErrorHeaders(corsOrigins),
    templates: { 'application/json': JSON.stringify({ error: 'not_found' }) },
  });
}

function acknowledgeApiRules(api: apigateway.LambdaRestApi, settings: RestApiSettings): void {
  const clerk = 'Requests are authenticated inside the function, which verifies Clerk session tokens (signature, expiry, issuer, authorized parties) and answers 401; API Gateway has no Clerk authorizer and Cognito is not the identity provider.';
  const preflight = 'A CORS preflight carries no credentials (Fetch standard); API Gateway answers it itself with a mock integration, for the allowed origins only.';
  for (const method of api.methods) {
    const reason = method.httpMethod === 'OPTIONS' ? preflight : clerk;
    acknowledge(method, [{ id: 'AwsSolutions-APIG4', reason }, { id: 'AwsSolutions-COG4', reason }]);
    skipCheckov(method, [{ id: 'CKV_AWS_59', comment: reason }]);
  }
  if (!settings.defaultHandlerRoutes) {
    acknowledge(api, [{
      id: 'AwsSolutions-APIG2',
      reason: 'Your functionCode owns the routes: the proxy integration forwards every path and method to it, so API Gateway has no route or model to validate against.',
    }]);
  }
  const noCache = 'Caching is off: every response depends on the caller and the database, and cached authenticated responses could leak between users.';
  skipCheckov(api.deploymentStage, [{ id: 'CKV_AWS_120', comment: noCache }]);
  const waf = 'No web ACL by default: WAF rules and their cost are an account decision. Pass apiWebAclArn to associate one.';
  acknowledge(api.deploymentStage, [
    ...(settings.options.apiWebAclArn ? [] : [{ id: 'AwsSolutions-APIG3', reason: waf }, ...inPacks('APIGWAssociatedWithWAF', waf, ['NIST.800.53.R5', 'PCI.DSS.321'])]),
    ...inPacks('APIGWCacheEnabledAndEncrypted', noCache),
    ...inPacks('APIGWSSLEnabled', 'A client certificate authenticates API Gateway to HTTP backends; this API integrates with Lambda, which API Gateway invokes through IAM.'),
  ]);
  const cloudWatchRole = api.node.tryFindChild('CloudWatchRole');
  if (cloudWatchRole) {
    acknowledge(cloudWatchRole, [{
      id: 'AwsSolutions-IAM4',
      appliesTo: [managedPolicy('service-role/AmazonAPIGatewayPushToCloudWatchLogs')],
      reason: 'The AWS managed policy API Gateway requires for its account-wide logging role; assumable only by API Gateway.',
    }]);
  }
}
