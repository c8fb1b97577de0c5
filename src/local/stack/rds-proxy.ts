import * as fs from 'fs';
import { proxyConnectionLimit } from '../../rds-limits/max-connections';
import { BackendSpec } from '../assembly/model';
import { FromComponent } from '../platform/component-protocol';
import { Placement } from '../platform/placement';
import { Supervisor } from '../platform/supervisor';
import { freePort, RunAs } from '../platform/system';
import { Certificates } from '../platform/tls';
import { RdsProxyConfig } from '../services/rds-proxy/component';
import { IamTokenCheck } from '../services/rds-proxy/iam-token';
import { RunningPgbouncer, startPgbouncer } from '../services/rds-proxy/pgbouncer';

/** What the local RDS Proxy of one backend runs with. */
export interface LocalRdsProxyOptions {
  readonly supervisor: Supervisor;
  readonly spec: BackendSpec;
  /** Where the template puts the proxy, and its port there. */
  readonly placement: Placement;
  readonly port: number;
  readonly pgbouncerBin: string;
  readonly database: { readonly host: string; readonly port: number; readonly name: string };
  /** The login it serves (the function's role), with the password PgBouncer logs in to PostgreSQL with. */
  readonly login: { readonly user: string; readonly password: string };
  readonly certs: Certificates;
  readonly runDir: string;
  readonly runAs?: RunAs;
  /** IAM authentication: the region and credentials the function signs its tokens with. */
  readonly iam?: Pick<IamTokenCheck, 'region' | 'credentials'>;
}

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
 * How long a database connection above the idle limit stays open once idle: RDS Proxy does not
 * document its schedule, so a short one that shows the pool shrinking after a burst.
 */
const IDLE_SERVER_TIMEOUT_SECONDS = 30;

/**
 * Starts the local RDS Proxy where the template puts it: the front (client rules, TLS, pinning)
 * on the proxy's address, PgBouncer behind it on loopback with a transaction pool and, for
 * pinned sessions, a session pool of the same database; together at most `MaxConnectionsPercent`
 * of the instance class's `max_connections`, the figure the synth-time budget uses.
 */
export async function startLocalRdsProxy(o: LocalRdsProxyOptions): Promise<LocalRdsProxy> {
  const { supervisor, spec, database, login } = o;
  const proxy = { host: o.placement.host, port: o.port };
  const behind = { ...o.placement, host: '127.0.0.1' };
  // In a namespace of its own the loopback address is the proxy's alone: the same port serves.
  const pgbouncerPort = o.placement.netns ? proxy.port : await freePort(behind.host);
  const pinnedAlias = `${database.name}_pinned_sessions`;
  const users = [{ username: login.user, password: login.password }];
  const instanceClass = spec.database.instanceClass ?? '';
  const limit = proxyConnectionLimit(instanceClass, spec.proxy.maxConnectionsPercent);
  const poolSize = Math.max(1, Math.min(limit ?? FALLBACK_POOL_SIZE, LOCAL_POOL_CAP));
  const maxConnections = proxyConnectionLimit(instanceClass, 100);
  const { maxConnectionsPercent, maxIdleConnectionsPercent } = spec.proxy;
  const idlePoolSize = Math.min(poolSize, Math.floor(poolSize * maxIdleConnectionsPercent / Math.max(1, maxConnectionsPercent)));
  const source = limit === undefined
    ? `the instance class ${instanceClass || '(not in the template)'} is not in the budget's table`
    : `MaxConnectionsPercent ${spec.proxy.maxConnectionsPercent} of ${instanceClass}'s max_connections ≈ ${maxConnections}${limit > LOCAL_POOL_CAP ? `, capped at the local PostgreSQL's ${LOCAL_POOL_CAP}` : ''}`;
  const pgbouncer = await startPgbouncer(supervisor, {
    bin: o.pgbouncerBin,
    placement: behind,
    port: pgbouncerPort,
    upstream: { ...database, database: database.name },
    users,
    certs: o.certs,
    runDir: o.runDir,
    runAs: o.runAs,
    requireTls: false,
    clientAuth: 'plain',
    idleClientTimeoutSeconds: spec.proxy.idleClientTimeoutSeconds,
    borrowTimeoutSeconds: spec.proxy.borrowTimeoutSeconds,
    poolSize,
    idlePoolSize,
    serverIdleTimeoutSeconds: IDLE_SERVER_TIMEOUT_SECONDS,
    sessionAliases: { [pinnedAlias]: database.name },
  });
  const config: RdsProxyConfig = {
    host: proxy.host,
    port: proxy.port,
    upstream: { host: behind.host, port: pgbouncerPort },
    pinnedDatabases: { [database.name]: pinnedAlias },
    tls: { key: fs.readFileSync(o.certs.keyFile, 'utf8'), cert: fs.readFileSync(o.certs.certFile, 'utf8') },
    requireTls: spec.proxy.requireTls,
    users,
    borrowTimeoutMs: spec.proxy.borrowTimeoutSeconds * 1000,
    // The function signs its tokens for the proxy's endpoint with the run's credentials.
    iam: o.iam && { host: proxy.host, port: proxy.port, ...o.iam },
  };
  const { child } = await supervisor.startComponent('rds-proxy', `RDS Proxy ${spec.name}`, o.placement, config);
  const pinned: PinnedSession[] = [];
  child.on('message', (m: FromComponent) => {
    if (m.type === 'pinned') pinned.push({ user: m.user, kind: m.kind, excerpt: m.excerpt });
  });
  return {
    pid: pgbouncer.pid,
    logFile: pgbouncer.logFile,
    pinned,
    note: `proxy: a pool of ${poolSize} database connection${poolSize === 1 ? '' : 's'} (${source}), at most ${idlePoolSize} of them idle (MaxIdleConnectionsPercent ${maxIdleConnectionsPercent}), ConnectionBorrowTimeout ${spec.proxy.borrowTimeoutSeconds} s`,
    setUsers: async (next) => {
      supervisor.tell(child, { type: 'put-users', users: next });
      await pgbouncer.setUsers(next);
    },
  };
}
