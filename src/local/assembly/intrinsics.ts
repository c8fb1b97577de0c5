/**
 * Resolves the CloudFormation values a local run can know: literals, pseudo parameters, and the
 * `Ref`s / `Fn::GetAtt`s the local stack stands in for (the proxy endpoint, the secret ARN, ...),
 * through `Fn::Join` and `Fn::Sub`. Anything else is unresolved (`undefined`).
 */
export interface LocalValues {
  /** `AWS::Region`, `AWS::AccountId`, `AWS::Partition`, ... and logical id → `Ref` value. */
  readonly refs: ReadonlyMap<string, string>;
  /** `LogicalId.Attribute` → value. */
  readonly attributes: ReadonlyMap<string, string>;
}

/** Pseudo parameters of a local run. */
export function pseudoParameters(region: string, account: string, stackName: string): Map<string, string> {
  return new Map([
    ['AWS::Region', region],
    ['AWS::AccountId', account],
    ['AWS::Partition', 'aws'],
    ['AWS::URLSuffix', 'amazonaws.com'],
    ['AWS::StackName', stackName],
    ['AWS::NoValue', ''],
  ]);
}

export function resolveValue(value: unknown, local: LocalValues): string | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return undefined;
  }
  const [fn, arg] = Object.entries(value as Record<string, unknown>)[0] ?? [];
  switch (fn) {
    case 'Ref':
      return local.refs.get(String(arg));
    case 'Fn::GetAtt': {
      const [id, attr] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/s);
      return local.attributes.get(`${id}.${attr}`);
    }
    case 'Fn::Join': {
      const [separator, parts] = arg as [string, unknown[]];
      const resolved = (parts ?? []).map((p) => resolveValue(p, local));
      return resolved.every((p) => p !== undefined) ? resolved.join(separator) : undefined;
    }
    case 'Fn::Sub': {
      const [text, vars] = Array.isArray(arg) ? arg as [string, Record<string, unknown>] : [String(arg), {}];
      let ok = true;
      const out = text.replace(/\$\{([^!}][^}]*)\}/g, (_m, name: string) => {
        const own = vars?.[name] !== undefined ? resolveValue(vars[name], local) : undefined;
        const v = own ?? (name.includes('.') ? local.attributes.get(name) : local.refs.get(name));
        ok &&= v !== undefined;
        return v ?? '';
      });
      return ok ? out.replace(/\$\{!/g, '${') : undefined;
    }
    default:
      return undefined;
  }
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt }` points at, if that is what the value is. */
export function referencedId(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') {
    return undefined;
  }
  const v = value as { 'Ref'?: unknown; 'Fn::GetAtt'?: unknown };
  if (typeof v.Ref === 'string') {
    return v.Ref;
  }
  const att = v['Fn::GetAtt'];
  return Array.isArray(att) ? String(att[0]) : typeof att === 'string' ? att.split('.')[0] : undefined;
}

/** Every logical id referenced anywhere inside a value (e.g. the function in an integration URI). */
export function referencedIds(value: unknown): string[] {
  const direct = referencedId(value);
  if (direct) {
    return [direct];
  }
  if (value && typeof value === 'object') {
    return Object.values(value as Record<string, unknown>).flatMap(referencedIds);
  }
  return [];
}
