#!/usr/bin/env node
// The npm registry reachable from our build machines lacks some napi-rs platform packages
// (e.g. @unrs/resolver-binding-darwin-arm64). npm then leaves them out of package-lock.json,
// and `npm ci` refuses the lock as out of sync. This restores the missing entries from the
// napi-rs naming convention (<name>-<os>-<cpu>[-<abi>]); npm skips them on install because their
// os/cpu never match, so no download is attempted. Run it after regenerating the lock.
const fs = require('fs');

const file = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const packages = lock.packages;
const added = [];

for (const [location, pkg] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    const nested = `${location}/node_modules/${name}`;
    if (packages[key] || packages[nested]) continue;
    const match = /-(android|darwin|freebsd|linux|openharmony|win32)-(arm64|arm|x64|ia32|loong64|ppc64|riscv64|s390x)(?:-(\w+))?$/.exec(name);
    if (!match) continue;
    const [, os, cpu, abi] = match;
    const entry = { version, cpu: [cpu], dev: pkg.dev, optional: true, os: [os] };
    if (os === 'linux' && abi) entry.libc = [abi.startsWith('musl') ? 'musl' : 'glibc'];
    if (!entry.dev) delete entry.dev;
    packages[key] = entry;
    added.push(`${name}@${version}`);
  }
}

lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(added.length ? `added ${added.length} lock entries: ${added.join(', ')}` : 'lock file already complete');
