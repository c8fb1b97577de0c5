import { referencedId } from './intrinsics';
import { GatewayResponseSpec } from './model';
import { TemplateResource } from '../../assembly/manifest';

type Props = Record<string, any>;

/** Static header values of API Gateway's mapping syntax: `'value'`. */
function literal(value: unknown): string | undefined {
  return typeof value === 'string' ? /^'(.*)'$/s.exec(value)?.[1] : undefined;
}

/**
 * The API's customised gateway responses, by type. Header values are static (`'value'`) or a
 * request header (`method.request.header.name`); other mapping sources are not emulated.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-parameter-mapping-sources.html
 */
export function readGatewayResponses(resources: Record<string, TemplateResource>, restApiId: string): Record<string, GatewayResponseSpec> {
  const out: Record<string, GatewayResponseSpec> = {};
  for (const r of Object.values(resources)) {
    const p: Props = r.Properties ?? {};
    if (r.Type !== 'AWS::ApiGateway::GatewayResponse' || referencedId(p.RestApiId) !== restApiId) continue;
    const headers: Record<string, string> = {};
    const requestHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries<unknown>(p.ResponseParameters ?? {})) {
      const header = /^gatewayresponse\.header\.(.+)$/.exec(name)?.[1];
      if (!header) continue;
      const v = literal(value);
      const source = typeof value === 'string' ? /^method\.request\.header\.(.+)$/.exec(value)?.[1] : undefined;
      if (v !== undefined) headers[header] = v;
      else if (source) requestHeaders[header] = source;
    }
    const body = p.ResponseTemplates?.['application/json'];
    out[String(p.ResponseType)] = {
      statusCode: p.StatusCode === undefined ? undefined : Number(p.StatusCode),
      headers,
      ...(Object.keys(requestHeaders).length > 0 ? { requestHeaders } : {}),
      body: typeof body === 'string' && !body.includes('$') ? body : undefined,
    };
  }
  return out;
}

/**
 * What API Gateway checks before the integration runs: the method's required request parameters,
 * enforced only when the method's request validator validates parameters.
 */
export function requiredParameters(method: Props, resources: Record<string, TemplateResource>): { headers: string[]; querystrings: string[] } {
  const validator = resources[referencedId(method.RequestValidatorId) ?? ''];
  const required = { headers: [] as string[], querystrings: [] as string[] };
  if (validator?.Type !== 'AWS::ApiGateway::RequestValidator' || validator.Properties?.ValidateRequestParameters !== true) return required;
  for (const [name, value] of Object.entries<unknown>(method.RequestParameters ?? {})) {
    const m = /^method\.request\.(header|querystring)\.(.+)$/.exec(name);
    if (!m || value !== true) continue;
    (m[1] === 'header' ? required.headers : required.querystrings).push(m[2]);
  }
  return required;
}
