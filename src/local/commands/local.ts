import { rehearse } from './rehearse';
import { serve } from './serve';
import { token } from './token';
import { verify } from './verify';
import { UsageError } from '../../io';
import { Say } from '../stack/startup';

const SUBCOMMANDS: Record<string, (argv: readonly string[], say: Say) => Promise<number>> = { serve, verify, token, rehearse };

export const LOCAL_USAGE = [
  'secure-lambda-postgres local serve  [--assembly DIR] [--stack NAME] [--port N] [--postgres auto|system|embedded] [--proxy auto|pgbouncer|none] [--data-dir DIR] [--env NAME=VALUE] [--max-containers N] [--clerk local|template]',
  'secure-lambda-postgres local verify [--assembly DIR] [--stack NAME] [same engine options] [--isolate] [--faults] [--show-rules] [--pinning warn|fail]',
  'secure-lambda-postgres local token  [--sub ID] [--azp ORIGIN] [--iss URL] [--ttl SECONDS] [--assembly DIR] (signs for --clerk local only)',
  'secure-lambda-postgres local rehearse --from OLD_DIR [--assembly NEW_DIR] [--stack NAME] [same engine options]',
].join('\n');

/** `secure-lambda-postgres local <serve|verify|token|rehearse> ...`: the synthesized app on this machine. */
export async function local(argv: readonly string[], say: Say): Promise<number> {
  const [sub, ...rest] = argv;
  if (rest.includes('--help') || rest.includes('-h') || sub === '--help' || sub === '-h') {
    say(LOCAL_USAGE);
    return 0;
  }
  const run = sub === undefined ? undefined : SUBCOMMANDS[sub];
  if (!run) {
    throw new UsageError(`local: ${sub === undefined ? 'missing subcommand' : `unknown subcommand ${sub}`}; use local serve, local verify, local token or local rehearse`);
  }
  return run(rest, say);
}
