import * as fs from 'fs';
import type { BackendPlan, SharedParts } from './backend';
import { proxyConnectionLimit } from '../../rds-limits/max-connections';
import { FromComponent } from '../platform/component-protocol';
import { freePort } from '../platform/system';
import { RdsProxyConfig } from '../services/rds-proxy/component';
import { RunningPgbouncer, startPgbouncer } from '../services/rds-proxy/pgbouncer';

/** A session the local proxy pinned: whose, why, and the statement with its values redacted. */
export interface PinnedSession {
  readonly user: string;
  readonly kind: string;
  readonly excerpt: string;
}

/** The local RDS Proxy: PgBouncer's process (what the faults freeze), new passwords for both parts, and the pinned sessions so far. */
export interface LocalRdsProxy extends RunningPgbouncer {
  readonly pinned: readonly PinnedSession[];
  /** The pool's size and where it comes from, for the startup notes. */
  readonly note: string;
}

/** The local PostgreSQL's `max_connections` (100) less room for the migration function and psql. */
const LOCAL_POOL_CAP = 90;

/** When the template names no class the budget knows: PgBouncer's default pool. */
const FALLBACK_POOL_SIZE = 20;

/**
 * Starts the local RDS Proxy where the template puts it: the front (client rules, TLS, pinning)
 * on the proxy's address, PgBouncer behind it on loopback with a transaction pool and, for
 * pinned sessions, a session pool of the same database; together at most `MaxConnectionsPercent`
 * of the instance class's `max_connections`, the figure the synth-time budget uses.
 */
export async function startLocalRdsProxy(plan: BackendPlan, shared: SharedParts, login: { user: string; password: string }): Promise<LocalRdsProxy> {
  const { supervisor, placements } = shared;
  const { spec, database, dir } = plan;
  const proxy = plan.proxy!;
  const behind = { ...placements.proxy, host: '127.0.0.1' };
  // In a namespace of its own the loopback address is the proxy's alone: the same port serves.
  const pgbouncerPort = placements.proxy.netns ? proxy.port : await freePort(behind.host);
  const pinnedAlias = `${database.name}_pinned_sessions`;
  const users = [{ username: login.user, password: login.password }];
  const instanceClass = spec.database.instanceClass ?? '';
  const limit = proxyConnectionLimit(instanceClass, spec.proxy.maxConnectionsPercent);
  const poolSize = Math.max(1, Math.min(limit ?? FALLBACK_POOL_SIZE, LOCAL_POOL_CAP));
  const maxConnections = proxyConnectionLimit(instanceClass, 100);
  const source = limit === undefined
    ? `the instance class ${instanceClass || '(not in the template)'} is not in the budget's table`
    : `MaxConnectionsPercent ${spec.proxy.maxConnectionsPercent} of ${instanceClass}'s max_connections ≈ ${maxConnections}${limit > LOCAL_POOL_CAP ? `, capped at the local PostgreSQL's ${LOCAL_POOL_CAP}` : ''}`;
  const pgbouncer = await startPgbouncer(supervisor, {
    bin: shared.pgbouncer!,
    placement: behind,
    port: pgbouncerPort,
    upstream: { ...database, database: database.name },
    users,
    certs: shared.certs,
    runDir: dir,
    runAs: shared.runAs,
    requireTls: false,
    clientAuth: 'plain',
    idleClientTimeoutSeconds: spec.proxy.idleClientTimeoutSeconds,
    borrowTimeoutSeconds: spec.proxy.borrowTimeoutSeconds,
    poolSize,
    sessionAliases: { [pinnedAlias]: database.name },
  });
  const config: RdsProxyConfig = {
    host: proxy.host,
    port: proxy.port,
    upstream: { host: behind.host, port: pgbouncerPort },
    pinnedDatabases: { [database.name]: pinnedAlias },
    tls: { key: fs.readFileSync(shared.certs.keyFile, 'utf8'), cert: fs.readFileSync(shared.certs.certFile, 'utf8') },
    requireTls: spec.proxy.requireTls,
    users,
    borrowTimeoutMs: spec.proxy.borrowTimeoutSeconds * 1000,
    // The function signs its tokens for the proxy's endpoint with the run's credentials.
    iam: plan.roles?.spec.appAuth === 'iam' ? { host: proxy.host, port: proxy.port, region: shared.region, credentials: shared.credentials } : undefined,
  };
  const { child } = await supervisor.startComponent('rds-proxy', `RDS Proxy ${spec.name}`, placements.proxy, config);
  const pinned: PinnedSession[] = [];
  child.on('message', (m: FromComponent) => {
    if (m.type === 'pinned') pinned.push({ user: m.user, kind: m.kind, excerpt: m.excerpt });
  });
  return {
    pid: pgbouncer.pid,
    pinned,
    note: `proxy: a pool of ${poolSize} database connection${poolSize === 1 ? '' : 's'} (${source}), ConnectionBorrowTimeout ${spec.proxy.borrowTimeoutSeconds} s`,
    setUsers: (next) => {
      pgbouncer.setUsers(next);
      supervisor.tell(child, { type: 'put-users', users: next });
    },
  };
}
