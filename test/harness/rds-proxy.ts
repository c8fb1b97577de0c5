import { TestCertificates } from './certs';
import { TestDatabase } from './database';
import { Supervisor } from '../../src/local/platform/supervisor';
import { freePort, serviceUser } from '../../src/local/platform/system';
import { RunningFront, startFront } from '../../src/local/services/rds-proxy/front';
import { findPgbouncer, PgbouncerOptions, startPgbouncer } from '../../src/local/services/rds-proxy/pgbouncer';
import { Pin } from '../../src/local/services/rds-proxy/pinning';

/** Settings of an in-process local RDS Proxy. */
export type LocalProxyOptions = Pick<PgbouncerOptions, 'poolSize' | 'idlePoolSize' | 'serverIdleTimeoutSeconds' | 'borrowTimeoutSeconds'> & {
  readonly onPin?: (user: string, pin: Pin) => void;
};

/**
 * The local RDS Proxy as `local serve` runs it, in process: the front (TLS required) before a
 * PgBouncer of its own with a transaction pool and the session pool `pinned`, on `db`.
 */
export async function startLocalProxy(
  supervisor: Supervisor, db: TestDatabase, certs: TestCertificates, o: LocalProxyOptions,
): Promise<RunningFront> {
  const pgbouncerPort = await freePort();
  await startPgbouncer(supervisor, {
    bin: findPgbouncer()!,
    placement: { tier: 'application', host: '127.0.0.1' },
    port: pgbouncerPort,
    upstream: { host: db.host, port: db.port, database: db.database },
    users: [{ username: db.user, password: db.password }],
    certs,
    runDir: supervisor.makeTempDir('proxy-pgbouncer'),
    runAs: serviceUser(),
    requireTls: false,
    clientAuth: 'plain',
    idleClientTimeoutSeconds: 1800,
    borrowTimeoutSeconds: o.borrowTimeoutSeconds,
    poolSize: o.poolSize,
    idlePoolSize: o.idlePoolSize,
    serverIdleTimeoutSeconds: o.serverIdleTimeoutSeconds,
    sessionAliases: { pinned: db.database },
  });
  return startFront({
    host: '127.0.0.1',
    port: 0,
    upstream: { host: '127.0.0.1', port: pgbouncerPort },
    pinnedDatabases: { [db.database]: 'pinned' },
    tls: { key: certs.keyPem, cert: certs.certPem },
    requireTls: true,
    users: [{ username: db.user, password: db.password }],
    borrowTimeoutMs: o.borrowTimeoutSeconds * 1000,
    onPin: o.onPin ?? (() => undefined),
  });
}
