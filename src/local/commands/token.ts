import * as fs from 'fs';
import * as path from 'path';
import { choice, parseOptions } from './args';
import { UsageError } from '../../io';
import { discoverBackends } from '../assembly/discover';
import { RunRegistry } from '../platform/registry';
import { CLERK_MODES } from '../services/lambda/clerk-mode';
import { localSigningKey, sessionToken, tokenDefaults } from '../stack/clerk';
import { Say } from '../stack/startup';

const TEMPLATE_REFUSAL = 'local token: under --clerk template the function accepts only the sessions your Clerk instance issues (sign in through your app); local token signs for --clerk local';

/**
 * `local token`: print a session token the local stack trusts, signed with the local key in the
 * user's cache. `azp` and `iss` default to what the assembly's function requires (when there is
 * an assembly); `--sub`, `--azp`, `--iss`, `--ttl` override. Refuses when the assembly's running
 * `local serve` keeps the template's Clerk key (`--clerk template`): it would refuse the token.
 */
export async function token(argv: readonly string[], say: Say): Promise<number> {
  const o = parseOptions('local token', argv, { sub: 'string', azp: 'string', iss: 'string', ttl: 'integer', assembly: 'string', stack: 'string', clerk: 'string' });
  if (choice('local token', 'clerk', o.clerk, CLERK_MODES, 'local') === 'template') {
    throw new UsageError(TEMPLATE_REFUSAL);
  }
  const ttl = (o.ttl as number | undefined) ?? 3600;
  if (ttl < 1 || ttl > 86400) throw new UsageError(`local token: --ttl must be 1 to 86400 seconds, got ${ttl}`);
  const assembly = (o.assembly as string | undefined) ?? 'cdk.out';
  const explicit = o.assembly !== undefined || o.stack !== undefined;
  const serving = new RunRegistry().liveRuns().find((r) => r.assembly === path.resolve(assembly) && r.clerk === 'template');
  if (serving) throw new UsageError(`${TEMPLATE_REFUSAL} (the \`local serve\` of ${assembly}, pid ${serving.pid}, runs with --clerk template)`);
  let defaults: { azp?: string; iss?: string } = {};
  if (explicit || fs.existsSync(path.join(assembly, 'manifest.json'))) {
    defaults = tokenDefaults(discoverBackends(path.resolve(assembly), o.stack as string | undefined)[0]);
  }
  say(sessionToken(localSigningKey(), {
    sub: (o.sub as string | undefined) ?? 'user_local',
    azp: (o.azp as string | undefined) ?? defaults.azp,
    iss: (o.iss as string | undefined) ?? defaults.iss,
    ttlSeconds: ttl,
  }));
  return 0;
}
