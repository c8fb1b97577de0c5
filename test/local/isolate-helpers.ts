import { isolationUnavailable } from '../../src/local/replica/preflight';
import { Replica } from '../../src/local/replica/replica';

/** Why the isolated replica cannot run here (not Linux, not root, tools missing), or undefined. */
export const isolationSkip = isolationUnavailable();

/** The router namespace of a replica. */
export function routerOf(replica: Replica): string {
  return replica.network.placements.database.netns!.replace(/-db$/, '-router');
}
