import { ApiMethod, ApiResource } from '../../assembly/model';

/** The resource and method a request matched, with its path parameters. */
export interface Match {
  readonly resource: ApiResource;
  readonly method: ApiMethod;
  readonly pathParameters: Record<string, string> | null;
}

/**
 * API Gateway's resource matching: literal segments first, then `{param}` (one segment), then
 * `{proxy+}` (the rest, at least one segment); the method exactly, else `ANY`.
 */
export function matchRoute(resources: readonly ApiResource[], path: string, httpMethod: string): Match | undefined {
  const segments = path.split('/').filter((s) => s !== '');
  let best: { match: Match; score: number } | undefined;
  for (const resource of resources) {
    const parts = resource.path.split('/').filter((s) => s !== '');
    const params = matchParts(parts, segments);
    const method = resource.methods[httpMethod] ?? resource.methods.ANY;
    if (!params || !method) continue;
    // Literal segments beat parameters, which beat a greedy proxy.
    const score = parts.reduce((s, p) => s + (p.endsWith('+}') ? 1 : p.startsWith('{') ? 10 : 100), 0);
    if (!best || score > best.score) {
      best = { match: { resource, method, pathParameters: Object.keys(params).length > 0 ? params : null }, score };
    }
  }
  return best?.match;
}

function matchParts(parts: string[], segments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const greedy = /^\{(.+)\+\}$/.exec(part);
    if (greedy) {
      if (i !== parts.length - 1 || segments.length <= i) return undefined;
      params[greedy[1]] = segments.slice(i).map(decode).join('/');
      return params;
    }
    if (i >= segments.length) return undefined;
    const param = /^\{(.+)\}$/.exec(part);
    if (param) params[param[1]] = decode(segments[i]);
    else if (part !== segments[i]) return undefined;
  }
  return segments.length === parts.length ? params : undefined;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
