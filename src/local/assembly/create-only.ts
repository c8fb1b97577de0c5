import * as fs from 'fs';
import * as path from 'path';
import type { CreateOnlySpec } from './replacements';

/**
 * Generated before the CLI is bundled (scripts/create-only-properties.js, from
 * @aws-cdk/aws-service-spec) and copied next to the bundle: read only by `local rehearse`, so the
 * other commands do not parse it.
 */
const FILE = 'create-only.generated.json';

let spec: CreateOnlySpec | undefined;

/** The create-only properties of every resource type. */
export function createOnlySpec(): CreateOnlySpec {
  spec ??= JSON.parse(fs.readFileSync(path.join(__dirname, FILE), 'utf8')) as CreateOnlySpec;
  return spec;
}
