import * as apigateway from 'aws-cdk-lib/aws-apigateway';

/**
 * API Gateway's `{"message": ...}` body, which its default gateway responses carry; kept when only
 * the headers change.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
 */
const DEFAULT_BODY = { 'application/json': '{"message":$context.error.messageString}' };

/**
 * The CORS headers of API Gateway's own answers; undefined when CORS is off.
 *
 * A gateway response's header is a parameter mapping: a static `'value'` or a request parameter
 * such as `method.request.header.Origin`, nothing conditional (its templates are not VTL):
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-parameter-mapping-sources.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-gateway-responses.gatewayResponse.html
 * One allowed origin is named literally. For several, the only mapping that serves them all echoes
 * the caller's Origin, any origin: a static first origin would leave the others with a CORS error in
 * place of the status. Echoing exposes nothing: these bodies are API Gateway's fixed error messages
 * with no data, the API takes bearer tokens rather than cookies, and no `Allow-Credentials` is sent,
 * so a page on another origin reads only what any HTTP client gets from the public endpoint. The
 * function's own responses still name listed origins only.
 */
export function corsErrorHeaders(origins: readonly string[]): Record<string, string> | undefined {
  if (origins.length === 0) return undefined;
  return {
    'Access-Control-Allow-Origin': origins.length === 1 ? `'${origins[0]}'` : 'method.request.header.Origin',
    // The header depends on the request's Origin: caches must not serve one origin's answer to another.
    'Vary': "'Origin'",
  };
}

/**
 * DEFAULT_4XX and DEFAULT_5XX with the CORS headers: every error API Gateway answers itself
 * (throttling 429, integration timeout 504, 502, ...) without a gateway response of its own type
 * takes these. Their status codes are left unset, so each type keeps its own.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
 */
export function addCorsDefaultResponses(api: apigateway.RestApi, origins: readonly string[]): void {
  const responseHeaders = corsErrorHeaders(origins);
  if (!responseHeaders) return;
  api.addGatewayResponse('Default4xx', { type: apigateway.ResponseType.DEFAULT_4XX, responseHeaders, templates: DEFAULT_BODY });
  api.addGatewayResponse('Default5xx', { type: apigateway.ResponseType.DEFAULT_5XX, responseHeaders, templates: DEFAULT_BODY });
}
