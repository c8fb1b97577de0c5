import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from '../io';

/** A CloudFormation template as JSON. */
export interface Template {
  readonly Resources?: { readonly [logicalId: string]: TemplateResource };
}

/** One resource of a template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: { readonly [name: string]: unknown };
  readonly Metadata?: { readonly [key: string]: unknown };
}

/** A stack artifact of a cloud assembly. */
export interface StackArtifact {
  /** Artifact id (`MyStack`, or `Stage-MyStack` inside a stage). */
  readonly id: string;
  /** Display name (`MyStack`, `Stage/MyStack`). */
  readonly displayName: string;
  /** The manifest's `aws://account/region` (`unknown-…` parts when environment-agnostic). */
  readonly environment?: string;
  /** Region of `aws://account/region`, when the stack is environment-specific. */
  readonly region?: string;
  readonly account?: string;
  readonly template: Template;
  /** The template's file, relative to `directory`. */
  readonly templateFile: string;
  /** Asset hash → absolute path of its staged source (from the stack's asset manifest). */
  readonly assets: ReadonlyMap<string, string>;
  /** The (sub-)assembly directory the stack's files live in. */
  readonly directory: string;
}

interface ManifestArtifact {
  readonly type: string;
  readonly environment?: string;
  readonly displayName?: string;
  readonly dependencies?: string[];
  readonly properties?: { readonly templateFile?: string; readonly directoryName?: string; readonly file?: string };
}

function readJson(file: string): any {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Every stack of the cloud assembly in `dir`, stage sub-assemblies included. */
export function loadStacks(dir: string): StackArtifact[] {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) {
    const why = fs.existsSync(dir) ? `${dir} has no manifest.json` : `${dir} does not exist`;
    throw new UsageError(`no cloud assembly: ${why}; run \`cdk synth\` first, or pass --assembly DIR`);
  }
  const artifacts: Record<string, ManifestArtifact> = readJson(manifestFile).artifacts ?? {};
  const stacks: StackArtifact[] = [];
  for (const [id, artifact] of Object.entries(artifacts)) {
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      stacks.push(...loadStacks(path.join(dir, artifact.properties.directoryName)));
    } else if (artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile) {
      const env = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment ?? '');
      stacks.push({
        id,
        displayName: artifact.displayName ?? id,
        environment: artifact.environment,
        account: env && !env[1].startsWith('unknown-') ? env[1] : undefined,
        region: env && !env[2].startsWith('unknown-') ? env[2] : undefined,
        template: readJson(path.join(dir, artifact.properties.templateFile)),
        templateFile: artifact.properties.templateFile,
        assets: assetSources(dir, artifacts, artifact),
        directory: dir,
      });
    }
  }
  return stacks;
}

/** Hash → source path of the file assets listed in the stack's asset manifest(s). */
function assetSources(dir: string, artifacts: Record<string, ManifestArtifact>, stack: ManifestArtifact): Map<string, string> {
  const sources = new Map<string, string>();
  for (const dependency of stack.dependencies ?? []) {
    const manifest = artifacts[dependency];
    if (manifest?.type !== 'cdk:asset-manifest' || !manifest.properties?.file) {
      continue;
    }
    const files: Record<string, { source?: { path?: string } }> = readJson(path.join(dir, manifest.properties.file)).files ?? {};
    for (const [hash, asset] of Object.entries(files)) {
      if (asset.source?.path) {
        sources.set(hash, path.resolve(dir, asset.source.path));
      }
    }
  }
  return sources;
}
