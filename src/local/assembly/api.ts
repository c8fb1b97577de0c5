import { readGatewayResponses, requiredParameters } from './gateway-responses';
import { referencedId, referencedIds } from './intrinsics';
import { ApiMethod, ApiResource, ApiSpec } from './model';
import { Template, TemplateResource } from '../../assembly/manifest';
import { UsageError } from '../../io';

type Props = Record<string, any>;

/** The stage, throttling, resources and methods of a REST API, read from the template. */
export function readApi(template: Template, restApiId: string, stageId: string, functionId: string): ApiSpec {
  const resources = template.Resources ?? {};
  const stage = resources[stageId];
  if (stage?.Type !== 'AWS::ApiGateway::Stage') {
    throw new UsageError(`the template has no API stage ${stageId}: synthesize the app again with this version of secure-lambda-postgres`);
  }
  const stageProps: Props = stage.Properties ?? {};
  const stageName = typeof stageProps.StageName === 'string' ? stageProps.StageName : 'prod';
  const all = (stageProps.MethodSettings ?? []).find((s: Props) => s.ResourcePath === '/*' && s.HttpMethod === '*');
  const throttle = typeof all?.ThrottlingRateLimit === 'number' && typeof all?.ThrottlingBurstLimit === 'number'
    ? { rateLimit: all.ThrottlingRateLimit, burstLimit: all.ThrottlingBurstLimit }
    : undefined;
  const format = stageProps.AccessLogSetting?.Format;
  const accessLogFormat = typeof format === 'string' ? format : undefined;
  return {
    logicalId: restApiId,
    stageName,
    throttle,
    accessLogFormat,
    resources: readResources(resources, restApiId, functionId),
    gatewayResponses: readGatewayResponses(resources, restApiId),
  };
}

function readResources(resources: Record<string, TemplateResource>, restApiId: string, functionId: string): ApiResource[] {
  const ofApi = (r: TemplateResource) => referencedId(r.Properties?.RestApiId) === restApiId;
  // Logical id → path; the root resource is the API's RootResourceId attribute.
  const paths = new Map<string, string>();
  const pathOf = (ref: unknown, depth = 0): string | undefined => {
    const id = referencedId(ref);
    if (id === restApiId) {
      return '/';
    }
    if (!id || depth > 50) {
      return undefined;
    }
    if (!paths.has(id)) {
      const r = resources[id];
      if (r?.Type !== 'AWS::ApiGateway::Resource') {
        return undefined;
      }
      const parent = pathOf(r.Properties?.ParentId, depth + 1);
      if (parent === undefined) {
        return undefined;
      }
      paths.set(id, `${parent === '/' ? '' : parent}/${r.Properties?.PathPart}`);
    }
    return paths.get(id);
  };
  const byPath = new Map<string, Record<string, ApiMethod>>();
  for (const method of Object.values(resources)) {
    if (method.Type !== 'AWS::ApiGateway::Method' || !ofApi(method)) {
      continue;
    }
    const path = pathOf(method.Properties?.ResourceId);
    if (path === undefined) {
      continue;
    }
    const methods = byPath.get(path) ?? {};
    methods[String(method.Properties?.HttpMethod ?? 'ANY').toUpperCase()] = readMethod(method.Properties ?? {}, functionId, resources);
    byPath.set(path, methods);
  }
  return [...byPath.entries()].map(([path, methods]) => ({ path, methods }));
}

function readMethod(props: Props, functionId: string, resources: Record<string, TemplateResource>): ApiMethod {
  const integration: Props = props.Integration ?? {};
  const type = String(integration.Type ?? 'NONE');
  if (type === 'AWS_PROXY') {
    return { kind: 'lambda', ours: referencedIds(integration.Uri).includes(functionId), required: requiredParameters(props, resources) };
  }
  if (type === 'MOCK') {
    const response: Props = (integration.IntegrationResponses ?? [])[0] ?? {};
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries<unknown>(response.ResponseParameters ?? {})) {
      const header = /^method\.response\.header\.(.+)$/.exec(name)?.[1];
      const literal = typeof value === 'string' ? /^'(.*)'$/s.exec(value)?.[1] : undefined;
      if (header && literal !== undefined) {
        headers[header] = literal;
      }
    }
    // CDK answers one origin in the header and lets a response template echo the others.
    const template = String(Object.values<unknown>(response.ResponseTemplates ?? {})[0] ?? '');
    const alternativeOrigins = [...template.matchAll(/\$origin == "([^"]+)"/g)].map((m) => m[1]).filter((o) => o !== '');
    return { kind: 'mock', statusCode: Number(response.StatusCode ?? 200), headers, alternativeOrigins };
  }
  return { kind: 'unsupported', type };
}
