import type { Row } from './checks';
import { loadStacks, StackArtifact } from '../../assembly/manifest';
import { createOnlySpec } from '../assembly/create-only';
import { describeChange, statefulChanges, statefulReason } from '../assembly/replacements';

/** The template comparison: a FAIL row per stateful resource NEW replaces or removes, and notes. */
export interface TemplateComparison {
  readonly rows: Row[];
  /** Resources NEW may replace, depending on the values: said, not failed. */
  readonly notes: string[];
}

/**
 * Compare each stack of OLD (only `stackName` when given) with the stack of the same id in NEW,
 * the way CloudFormation would update it: same logical id, create-only property changed.
 */
export function compareAssemblies(oldDir: string, newDir: string, stackName?: string): TemplateComparison {
  const chosen = (stacks: StackArtifact[]) => stacks.filter((s) => stackName === undefined || s.id === stackName || s.displayName === stackName);
  const next = new Map(chosen(loadStacks(newDir)).map((s) => [s.id, s]));
  const spec = createOnlySpec();
  const rows: Row[] = [];
  const notes: string[] = [];
  let stateful = 0;
  for (const old of chosen(loadStacks(oldDir))) {
    const resources = Object.values(old.template.Resources ?? {});
    stateful += resources.filter((r) => statefulReason(r, spec) !== undefined).length;
    const after = next.get(old.id)?.template ?? {};
    for (const change of statefulChanges(old.template, after, spec)) {
      const line = `${old.displayName}/${describeChange(change)}`;
      if (change.kind === 'may-replace') notes.push(line);
      else rows.push({ name: `template: ${old.displayName}/${change.logicalId} ${change.kind}`, result: { ok: false, detail: line } });
    }
  }
  if (rows.length === 0) {
    rows.push({
      name: 'template: no stateful resource replaced or removed',
      result: { ok: true, detail: `${stateful} stateful resources compared; create-only properties from ${spec.source}` },
    });
  }
  return { rows, notes };
}
