import * as os from 'os';
import * as path from 'path';

/** The user's cache directory for the local stack: `$XDG_CACHE_HOME` or `~/.cache`, then `secure-lambda-postgres`. */
export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME && path.isAbsolute(process.env.XDG_CACHE_HOME)
    ? process.env.XDG_CACHE_HOME
    : path.join(os.homedir(), '.cache');
  return path.join(base, 'secure-lambda-postgres');
}
