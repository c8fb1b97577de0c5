import * as os from 'os';
import { choice, OptionKinds, parseOptions, ParsedOptions } from './args';
import { UsageError } from '../../io';
import { CLERK_MODES } from '../services/lambda/clerk-mode';
import { StackOptions } from '../stack/stack';

/** The options `serve` and `verify` share. */
export const STACK_OPTIONS: OptionKinds = {
  'assembly': 'string',
  'stack': 'string',
  'postgres': 'string',
  'proxy': 'string',
  'data-dir': 'string',
  'env': 'list',
  'max-containers': 'integer',
  'clerk': 'string',
};

/** Parse the command line of `serve` / `verify` into stack options. */
export function stackOptions(command: string, argv: readonly string[], extra: OptionKinds, defaultPort: number):
{ stack: StackOptions; parsed: ParsedOptions } {
  const parsed = parseOptions(command, argv, { ...STACK_OPTIONS, ...extra });
  const env: Record<string, string> = {};
  for (const pair of (parsed.env as string[] | undefined) ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(pair);
    if (!m) throw new UsageError(`${command}: --env takes NAME=VALUE, got ${pair}`);
    env[m[1]] = m[2];
  }
  const port = (parsed.port as number | undefined) ?? defaultPort;
  if (port > 65535) throw new UsageError(`${command}: --port must be at most 65535, got ${port}`);
  const maxContainers = (parsed['max-containers'] as number | undefined) ?? Math.max(2, os.cpus().length * 2);
  if (maxContainers < 1) throw new UsageError(`${command}: --max-containers must be at least 1`);
  return {
    parsed,
    stack: {
      assembly: (parsed.assembly as string | undefined) ?? 'cdk.out',
      stack: parsed.stack as string | undefined,
      port,
      postgres: choice(command, 'postgres', parsed.postgres, ['auto', 'system', 'embedded'] as const, 'auto'),
      proxy: choice(command, 'proxy', parsed.proxy, ['auto', 'pgbouncer', 'none'] as const, 'auto'),
      dataDir: parsed['data-dir'] as string | undefined,
      env,
      maxContainers,
      clerk: choice(command, 'clerk', parsed.clerk, CLERK_MODES, 'local'),
    },
  };
}
