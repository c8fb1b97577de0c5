import { randomUUID } from 'crypto';
import { RolesSpec, BackendSpec } from './assembly/model';
import { workerScript } from './assets';
import { UsageError } from './errors';
import { LocalEndpoints, migrationEnvironment } from './function-env';
import { Container } from './lambda/container';
import { Placement } from './placement';
import { Supervisor } from './supervisor';

/**
 * Runs the template's migration function once, before the proxy and the API start, as the stack's
 * trigger runs it on deployment: its own code asset in a Lambda-like container, placed where its
 * ENI is, against the local instance and Secrets Manager. It creates the owner and app roles and
 * applies the migration files; when it fails, so does the start (as the deployment would).
 * Returns a line for the user.
 */
export async function runMigration(supervisor: Supervisor, spec: BackendSpec, roles: RolesSpec, placement: Placement, endpoints: LocalEndpoints):
Promise<string> {
  const fn = roles.migration;
  if (!('directory' in fn.code)) throw new UsageError(`${spec.name}: the migration function's code is inline; synthesize the app again`);
  if (roles.layerDirectories.length > 1) throw new UsageError(`${spec.name}: the migration function has ${roles.layerDirectories.length} layers; the local stack reads the files of one`);
  const { container, ready } = Container.start({
    workerScript: workerScript(),
    environment: migrationEnvironment(spec, fn, endpoints, fn.code.directory, roles.layerDirectories[0]),
    placement,
    timeoutMs: fn.timeoutSeconds * 1000,
    onSpawn: (pid) => supervisor.adopt('migration function', pid),
    onExit: (pid) => supervisor.release(pid),
  });
  try {
    await ready.catch((err: Error) => {
      throw new UsageError(`the migration function ${fn.logicalId} failed to start: ${err.message}`);
    });
    const outcome = await container.invoke({ RequestType: 'Create' }, randomUUID());
    if (!outcome.ok) {
      throw new UsageError(`the migration function ${fn.logicalId} failed, as it would fail the deployment: ${outcome.errorMessage}`);
    }
    const result = outcome.payload as { applied?: string[]; alreadyApplied?: string[]; created?: string[] } | undefined;
    const applied = result?.applied ?? [];
    return `migrations: the migration function created the roles ${(result?.created ?? []).join(', ') || '(none: they exist)'} and applied ${applied.length} file${applied.length === 1 ? '' : 's'}${applied.length ? ` (${applied.join(', ')})` : ''}`;
  } finally {
    await container.stop();
  }
}
