import * as fs from 'fs';
import * as path from 'path';

/** CloudFormation property bags are free-form JSON. */
export type Props = { [key: string]: any };
export interface CfnResource { readonly Type: string; readonly Properties?: Props; readonly Metadata?: Props }
export interface CfnTemplate { readonly Resources?: { [logicalId: string]: CfnResource } }
export interface StackTemplate {
  readonly name: string;
  /** `aws://<account>/<region>`, or `aws://unknown-account/unknown-region` when agnostic. */
  readonly environment?: string;
  readonly templateFile: string;
  readonly template: CfnTemplate;
}
interface ManifestArtifact {
  readonly type: string;
  readonly environment?: string;
  readonly displayName?: string;
  readonly properties?: { readonly templateFile?: string; readonly directoryName?: string };
}

/** A problem with the assembly directory itself (reported without a stack trace, exit code 1). */
export class AssemblyError extends Error {}

function readJson(file: string): any {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AssemblyError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

/**
 * Stack templates listed in `<dir>/manifest.json` (stage sub-assemblies included). Plain JSON
 * only: nested-stack and asset templates are not followed, integ-test `DeployAssert` stacks are
 * skipped.
 */
export function loadStacks(dir: string): StackTemplate[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new AssemblyError(`cloud assembly directory not found: ${dir}`);
  }
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) throw new AssemblyError(`no manifest.json in ${dir} (is it a cdk.out directory?)`);
  const artifacts: { [id: string]: ManifestArtifact } = readJson(manifestFile).artifacts ?? {};
  const stacks: StackTemplate[] = [];
  for (const [id, art] of Object.entries(artifacts)) {
    if (art.type === 'cdk:cloud-assembly' && art.properties?.directoryName) {
      stacks.push(...loadStacks(path.join(dir, art.properties.directoryName)));
      continue;
    }
    if (art.type !== 'aws:cloudformation:stack' || !art.properties?.templateFile) continue;
    const name = art.displayName ?? id;
    if (/DeployAssert/.test(id) || /DeployAssert/.test(name)) continue;
    const templateFile = art.properties.templateFile;
    stacks.push({ name, environment: art.environment, templateFile, template: readJson(path.join(dir, templateFile)) });
  }
  return stacks;
}

/** The region of a stack's environment, or undefined for an environment-agnostic stack. */
export function regionOf(stack: StackTemplate): string | undefined {
  const region = stack.environment?.split('/')[3];
  return region && region !== 'unknown-region' ? region : undefined;
}
