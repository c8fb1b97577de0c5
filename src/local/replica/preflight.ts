import { findExecutable } from '../platform/system';

const SYSTEM_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];

/** The programs `--isolate` runs, and the Debian package each comes from. */
const TOOLS: ReadonlyArray<readonly [string, string]> = [['ip', 'iproute2'], ['nft', 'nftables'], ['nsenter', 'util-linux'], ['sysctl', 'procps']];

/**
 * Why this machine cannot run the isolated replica, or undefined when it can: network namespaces
 * are Linux's, creating them takes root, and the tools must be installed.
 */
export function isolationUnavailable(platform: string = process.platform, uid: number | undefined = process.getuid?.(),
  find: (name: string) => string | undefined = (name) => findExecutable(name, SYSTEM_DIRS)): string | undefined {
  if (platform !== 'linux') {
    return `--isolate needs Linux network namespaces, and this is ${platform}: run \`local verify\` without --isolate (every server on loopback), or run it on Linux`;
  }
  if (uid !== 0) {
    return '--isolate creates network namespaces, which takes root: run it as root (sudo), or run `local verify` without --isolate';
  }
  const missing = TOOLS.filter(([tool]) => !find(tool));
  if (missing.length) {
    return `--isolate needs ${missing.map(([tool]) => tool).join(', ')}: install ${missing.map(([, pkg]) => pkg).join(' ')} (apt-get install ${missing.map(([, pkg]) => pkg).join(' ')})`;
  }
  return undefined;
}
