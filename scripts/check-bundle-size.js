#!/usr/bin/env node
// Fails the build when the bundled default handler grows past its budget.
// Usage: node scripts/check-bundle-size.js [bundle] [maxBytes]
//   bundle    default assets/handler/api.lambda/index.js
//   maxBytes  default 153600 (150 KiB), or BUNDLE_MAX_BYTES
// Plain Node.js, no dependencies: it runs right after `projen bundle`.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const file = path.resolve(root, process.argv[2] || 'assets/handler/api.lambda/index.js');
const max = Number(process.argv[3] || process.env.BUNDLE_MAX_BYTES || 150 * 1024);
const rel = path.relative(root, file);

if (!Number.isInteger(max) || max <= 0) {
  console.error(`check-bundle-size: invalid budget ${JSON.stringify(process.argv[3] || process.env.BUNDLE_MAX_BYTES)}`);
  process.exit(2);
}
if (!fs.existsSync(file)) {
  console.error(`check-bundle-size: ${rel} does not exist; run \`npx projen bundle\` first`);
  process.exit(1);
}

const size = fs.statSync(file).size;
const kib = (n) => (n / 1024).toFixed(1) + ' KiB';
const pct = ((size / max) * 100).toFixed(1);

// Name the largest packages when a metafile sits next to the bundle (esbuild --metafile).
function topInputs() {
  const meta = path.join(path.dirname(file), 'index.meta.json');
  if (!fs.existsSync(meta)) return '';
  try {
    const outputs = JSON.parse(fs.readFileSync(meta, 'utf8')).outputs || {};
    const out = Object.entries(outputs).find(([k]) => path.resolve(root, k) === file);
    if (!out) return '';
    const byPackage = {};
    for (const [input, info] of Object.entries(out[1].inputs || {})) {
      const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
      const key = m ? m[1] : '(own source)';
      byPackage[key] = (byPackage[key] || 0) + (info.bytesInOutput || 0);
    }
    return Object.entries(byPackage)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([k, v]) => `    ${k.padEnd(32)} ${String(v).padStart(8)} bytes`)
      .join('\n');
  } catch {
    return '';
  }
}

if (size > max) {
  console.error(`check-bundle-size: FAIL ${rel} is ${size} bytes (${kib(size)}), over the budget of ${max} bytes (${kib(max)}) by ${size - max} bytes.`);
  const top = topInputs();
  if (top) console.error('  largest contributors:\n' + top);
  console.error('  Keep @aws-sdk/* external, import only what the handler uses, and avoid frameworks in the default handler.');
  process.exit(1);
}
console.log(`check-bundle-size: OK ${rel} is ${size} bytes (${kib(size)}), ${pct}% of the ${max}-byte budget.`);
