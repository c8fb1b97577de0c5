import * as path from 'path';
import { Client } from 'pg';
import { makeCertificates, TestCertificates } from './certs';
import { newPassword, RealPostgres } from './database';
import { trackSecret } from './leaks';
import { makeTempDir, removeDir } from './util';
import type { DatabaseTarget, RoleLogin } from '../../src/migrations/migrate';

/**
 * A PostgreSQL server for the role and migration tests: reached over TLS with passwords, like the
 * instance, plus a superuser side door for setting up and inspecting: the server `local serve`
 * starts (the system's PostgreSQL, else the embedded binaries).
 */
export interface RolesEngine {
  readonly description: string;
  readonly certs: TestCertificates;
  /** The server over TCP with TLS verified against the test CA; add the database. */
  target(database: string): DatabaseTarget;
  /** A superuser connection to `database`, bypassing TLS and passwords. */
  superuser(database?: string): Promise<Client>;
  destroy(): Promise<void>;
}

class SystemPostgres implements RolesEngine {
  public readonly description = 'PostgreSQL';

  constructor(private readonly pg: RealPostgres, public readonly certs: TestCertificates, private readonly cleanup: () => Promise<void>) {}

  public target(database: string): DatabaseTarget {
    return { host: 'localhost', port: this.pg.port, database, ssl: { ca: this.certs.caPem, rejectUnauthorized: true } };
  }

  public async superuser(database = 'postgres'): Promise<Client> {
    const client = new Client({ host: this.pg.dir, port: this.pg.port, user: 'postgres', database });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  public destroy(): Promise<void> {
    return this.cleanup();
  }
}

/** A server of its own, with its own throwaway CA. */
export async function startRolesEngine(): Promise<RolesEngine> {
  const dir = makeTempDir('roles');
  const certs = makeCertificates(path.join(dir, 'tls'));
  const pg = await RealPostgres.start(certs);
  return new SystemPostgres(pg, certs, async () => {
    await pg.destroy();
    removeDir(dir);
  });
}

/** The server of a handler test stack (which stops it itself). */
export function rolesEngineOn(pg: RealPostgres, certs: TestCertificates): RolesEngine {
  return new SystemPostgres(pg, certs, async () => undefined);
}

/**
 * A database as RDS hands one over: created by CloudFormation, owned by the master user, which is
 * no superuser (CREATEROLE, CREATEDB, like `rds_superuser`'s members), with RDS's `rds_iam` role
 * in the cluster. Every call gets its own names: roles are cluster-wide.
 */
export async function rdsLikeDatabase(engine: RolesEngine, name: string): Promise<{ database: string; master: RoleLogin }> {
  const master = { username: `${name}_master`, password: trackSecret('master password', newPassword()) };
  const su = await engine.superuser();
  try {
    await su.query('DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = \'rds_iam\') THEN CREATE ROLE rds_iam NOLOGIN; END IF; END $$');
    await su.query(`CREATE ROLE ${master.username} LOGIN CREATEROLE CREATEDB PASSWORD '${master.password}'`);
    await su.query(`CREATE DATABASE ${name} OWNER ${master.username}`);
  } finally {
    await su.end();
  }
  return { database: name, master };
}

/** Run one statement as `login` over TLS; resolves to the rows or rejects with PostgreSQL's error. */
export async function queryAs<R = Record<string, unknown>>(
  engine: RolesEngine, database: string, login: { username: string; password: string }, sql: string, params: unknown[] = [],
): Promise<R[]> {
  const client = new Client({ ...engine.target(database), user: login.username, password: login.password });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as R[];
  } finally {
    await client.end();
  }
}
