#!/usr/bin/env node
// Extracts CloudFormation's create-only (replacement) properties of every resource type from the
// resource schemas as @aws-cdk/aws-service-spec carries them, into the small JSON file that
// `local rehearse` bundles (the whole database is 2.4 MB compressed and takes a second to load).
// Usage: node scripts/create-only-properties.js [outfile]
// Runs before the CLI is bundled; writes only when the content changes.
'use strict';
const fs = require('fs');
const path = require('path');
const { loadAwsServiceSpecSync } = require('@aws-cdk/aws-service-spec');

const root = path.resolve(__dirname, '..');
const outfile = path.resolve(root, process.argv[2] || 'src/local/assembly/create-only.generated.json');
// Nested create-only properties are followed this deep (Prop.Sub.Sub).
const MAX_DEPTH = 3;

const db = loadAwsServiceSpecSync();

/** Paths below a property of this type whose `causesReplacement` is `kind`; arrays are transparent, maps are `*`. */
function nestedPaths(type, kind, depth, seen) {
  if (depth >= MAX_DEPTH || !type) return [];
  if (type.type === 'array') return nestedPaths(type.element, kind, depth, seen);
  if (type.type === 'map') return nestedPaths(type.element, kind, depth, seen).map((p) => `*.${p}`);
  if (type.type !== 'ref' || seen.has(type.reference.$ref)) return [];
  const definition = db.get('typeDefinition', type.reference.$ref);
  const inner = new Set([...seen, type.reference.$ref]);
  return Object.entries(definition.properties).flatMap(([name, p]) =>
    p.causesReplacement === kind ? [name] : nestedPaths(p.type, kind, depth + 1, inner).map((sub) => `${name}.${sub}`));
}

function pathsOf(resource, kind) {
  return Object.entries(resource.properties).flatMap(([name, p]) =>
    p.causesReplacement === kind ? [name] : nestedPaths(p.type, kind, 1, new Set()).map((sub) => `${name}.${sub}`));
}

const types = {};
const stateful = [];
for (const resource of db.all('resource')) {
  const replaces = [...pathsOf(resource, 'yes'), ...(resource.additionalReplacementProperties ?? []).map((p) => p.join('.'))];
  if (resource.isStateful) stateful.push(resource.cloudFormationType);
  const mayReplace = pathsOf(resource, 'maybe');
  if (replaces.length === 0 && mayReplace.length === 0) continue;
  types[resource.cloudFormationType] = { replaces: [...new Set(replaces)].sort(), ...(mayReplace.length > 0 ? { mayReplace: mayReplace.sort() } : {}) };
}
const sorted = Object.fromEntries(Object.keys(types).sort().map((t) => [t, types[t]]));
const version = require('@aws-cdk/aws-service-spec/package.json').version;
const text = JSON.stringify({ source: `@aws-cdk/aws-service-spec ${version}`, stateful: stateful.sort(), types: sorted }) + '\n';
if (!fs.existsSync(outfile) || fs.readFileSync(outfile, 'utf8') !== text) fs.writeFileSync(outfile, text);
console.log(`${path.relative(root, outfile)}: create-only properties of ${Object.keys(sorted).length} resource types (${(text.length / 1024).toFixed(1)} KiB) from @aws-cdk/aws-service-spec ${version}`);
