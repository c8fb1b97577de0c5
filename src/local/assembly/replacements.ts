/**
 * What a deployment of NEW over OLD would do to the stateful resources, read from the two templates
 * alone: which would CloudFormation replace (a create-only property changed, or the type), and which
 * would it remove (the logical id is gone). Pure: no files, no processes.
 *
 * A create-only property is one CloudFormation cannot update in place: changing it creates a new
 * resource and deletes the old one, data and all unless its policies retain it
 * (https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html,
 * `createOnlyProperties`). The lists come from the resource schemas, as `@aws-cdk/aws-service-spec`
 * carries them (scripts/create-only-properties.js extracts them at build time).
 */

/** The create-only properties of every resource type, as the build extracts them from the resource schemas. */
export interface CreateOnlySpec {
  /** Where the lists come from, e.g. `@aws-cdk/aws-service-spec 0.1.216`. */
  readonly source: string;
  /** Resource types the schemas mark as holding state (`isStateful`). */
  readonly stateful: readonly string[];
  readonly types: { readonly [type: string]: CreateOnlyProperties };
}

/** Property paths (`Name`, `Prop.Sub`, `Prop.*.Sub` under a map) of one resource type. */
export interface CreateOnlyProperties {
  /** A change replaces the resource. */
  readonly replaces: readonly string[];
  /** A change may replace it, depending on the values (`causesReplacement: maybe`). */
  readonly mayReplace?: readonly string[];
}

/** The part of a template this module reads. */
export interface DeployedTemplate {
  readonly Resources?: { readonly [logicalId: string]: DeployedResource };
}

export interface DeployedResource {
  readonly Type: string;
  readonly Properties?: { readonly [name: string]: unknown };
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** One stateful resource NEW would replace or remove, or may replace. */
export interface StatefulChange {
  readonly logicalId: string;
  readonly type: string;
  readonly kind: 'replaced' | 'removed' | 'may-replace';
  /** The changed property paths (`Type` when the type changed); empty when removed. */
  readonly properties: readonly string[];
  /** Why it counts as stateful: `stateful type`, or its `DeletionPolicy Retain` / `UpdateReplacePolicy Snapshot`. */
  readonly stateful: string;
}

/** Policies that say the resource holds what must outlive it. */
const KEEPING_POLICIES = new Set(['Retain', 'Snapshot', 'RetainExceptOnCreate']);

/** Why `resource` holds state, or `undefined` when it does not. */
export function statefulReason(resource: DeployedResource, spec: CreateOnlySpec): string | undefined {
  for (const policy of ['DeletionPolicy', 'UpdateReplacePolicy'] as const) {
    const value = resource[policy];
    if (value !== undefined && KEEPING_POLICIES.has(value)) return `${policy} ${value}`;
  }
  return spec.stateful.includes(resource.Type) ? 'stateful type' : undefined;
}

/**
 * The stateful resources of OLD that deploying NEW would replace or remove, and those it may
 * replace, in OLD's order. A resource counts as stateful in either template (a NEW that drops
 * `Retain` and changes a create-only property loses the data all the same).
 */
export function statefulChanges(old: DeployedTemplate, next: DeployedTemplate, spec: CreateOnlySpec): StatefulChange[] {
  const changes: StatefulChange[] = [];
  const after = next.Resources ?? {};
  for (const [logicalId, before] of Object.entries(old.Resources ?? {})) {
    const now = after[logicalId];
    const stateful = statefulReason(before, spec) ?? (now && statefulReason(now, spec));
    if (!stateful) continue;
    if (!now) {
      changes.push({ logicalId, type: before.Type, kind: 'removed', properties: [], stateful });
    } else if (now.Type !== before.Type) {
      changes.push({ logicalId, type: before.Type, kind: 'replaced', properties: ['Type'], stateful });
    } else {
      const createOnly = spec.types[before.Type] ?? { replaces: [] };
      const changed = (paths: readonly string[] = []) => paths.filter((p) => differs(before.Properties, now.Properties, p));
      const replaces = changed(createOnly.replaces);
      const mayReplace = changed(createOnly.mayReplace);
      if (replaces.length > 0) changes.push({ logicalId, type: before.Type, kind: 'replaced', properties: replaces, stateful });
      else if (mayReplace.length > 0) changes.push({ logicalId, type: before.Type, kind: 'may-replace', properties: mayReplace, stateful });
    }
  }
  return changes;
}

/** Whether the values at `path` differ (a property set in one template and not the other does). */
function differs(a: unknown, b: unknown, path: string): boolean {
  const steps = path.split('.');
  return JSON.stringify(valuesAt(a, steps)) !== JSON.stringify(valuesAt(b, steps));
}

/** Every value at `steps` below `value`: lists are looked through, `*` is every key of a map. */
function valuesAt(value: unknown, steps: readonly string[]): unknown[] {
  if (Array.isArray(value)) return value.flatMap((v) => valuesAt(v, steps));
  if (steps.length === 0) return value === undefined ? [] : [value];
  if (value === null || typeof value !== 'object') return [];
  const [step, ...rest] = steps;
  const record = value as Record<string, unknown>;
  if (step === '*') return Object.keys(record).sort().flatMap((k) => valuesAt(record[k], rest));
  return valuesAt(record[step], rest);
}

/** One line per change, e.g. `Database1234 (AWS::RDS::DBInstance, stateful type): replaced: create-only DBName changed`. */
export function describeChange(c: StatefulChange): string {
  const what = `${c.logicalId} (${c.type}, ${c.stateful})`;
  if (c.kind === 'removed') return `${what}: removed from NEW: CloudFormation deletes it${c.stateful.includes('Retain') ? ' from the stack (the policy keeps it in the account, orphaned)' : ''}`;
  if (c.kind === 'replaced') return `${what}: replaced: create-only ${c.properties.join(', ')} changed`;
  return `${what}: may be replaced: ${c.properties.join(', ')} changed (the schema says it depends on the values)`;
}
