import { randomBytes } from 'crypto';
import * as fs from 'fs';
import { Client, ClientConfig } from 'pg';
import { UsageError } from '../../io';
import { checksumOfSet, migrateDatabase, MigrationError, readMigrationDirectory, RoleLogin, setPassword } from '../../migrations';
import { RolesSpec } from '../assembly/model';
import { Placement } from '../platform/placement';
import { answerOneRequest, runPlaced } from '../platform/probe';

/** A role the local stack logs in as, with the secret that holds its password. */
export interface LocalLogin {
  readonly user: string;
  readonly password: string;
  readonly secretArn: string;
  /** The secret's value, in the shape RDS and the construct write. */
  readonly secret: string;
}

/** The owner and app roles of a backend, with generated passwords and local secrets. */
export interface LocalRoles {
  readonly spec: RolesSpec;
  readonly owner: LocalLogin;
  readonly app: LocalLogin;
}

/** The master user on the local instance. */
export interface MasterLogin {
  readonly host: string;
  readonly port: number;
  readonly name: string;
  readonly user: string;
  readonly password: string;
}

/** The owner and app logins a backend gets, before anything starts. */
export function planRoles(spec: RolesSpec, secretArnPrefix: string, server: { host: string; port: number; name: string }): LocalRoles {
  const login = (user: string, kind: string): LocalLogin => {
    const password = randomBytes(24).toString('base64url');
    return {
      user,
      password,
      secretArn: `${secretArnPrefix}/${kind}-local`,
      secret: JSON.stringify({ engine: 'postgres', host: server.host, port: server.port, username: user, password, dbname: server.name }),
    };
  };
  return { spec, owner: login(spec.owner, 'owner'), app: login(spec.app, 'app') };
}

/**
 * What the deployment's migration function does, with the same code: as the master user, create
 * the owner and app roles and their grants, then as the owner apply the migration files. Returns
 * the lines worth printing.
 */
export async function applyRoles(roles: LocalRoles, db: MasterLogin, caFile: string): Promise<string[]> {
  const { spec } = roles;
  const files = spec.migrationsDir ? readMigrationDirectory(spec.migrationsDir, false) : [];
  if (spec.checksum !== undefined && checksumOfSet(files) !== spec.checksum) {
    throw new UsageError(`the migration files in ${spec.migrationsDir} differ from the ones synthesized; run \`cdk synth\` again`);
  }
  const target = { host: db.host, port: db.port, database: db.name, ssl: { ca: fs.readFileSync(caFile, 'utf8'), rejectUnauthorized: true } };
  const admin = { username: db.user, password: db.password };
  const iam = spec.appAuth === 'iam';
  try {
    if (iam) await asMaster(target, admin, (client) => client.query(CREATE_RDS_IAM));
    const result = await migrateDatabase({
      target,
      admin,
      owner: { username: roles.owner.user, password: roles.owner.password },
      app: iam ? { username: roles.app.user, authentication: 'iam' } : { username: roles.app.user, authentication: 'password', password: roles.app.password },
      schema: spec.schema,
      appSettings: spec.appSettings,
      files,
    });
    if (iam) await asMaster(target, admin, (client) => setPassword(client, roles.app.user, roles.app.password));
    return [
      `roles: ${roles.owner.user} owns schema ${spec.schema}; the function logs in as ${roles.app.user} (DML only), as it would after deployment`,
      ...(iam ? [`roles: ${roles.app.user} is a member of rds_iam; the function logs in with IAM tokens the proxy verifies, the proxy to PostgreSQL with a password only it holds (RDS Proxy: IAM end to end)`] : []),
      `migrations: ${files.length === 0 ? 'none in the template' : `${result.applied.length} applied, ${result.alreadyApplied} already applied (${spec.migrationsDir})`}`,
      ...(result.ahead.length === 0 ? [] : [`migrations: ${result.ahead.join(', ')} applied by a newer version, left as they are (a rollback runs this version's files again)`]),
      ...result.warnings.map((w) => `roles: ${w}`),
    ];
  } catch (err) {
    if (err instanceof MigrationError) throw new UsageError(`migrations: ${err.message}`);
    throw err;
  }
}

/*
 * IAM mode as the deployment has it: the bootstrap makes the app role a member of `rds_iam` (which
 * RDS has in every PostgreSQL instance) with no password, the function signs IAM tokens and the
 * proxy verifies them. The proxy then logs in to the instance with IAM too, with its own role
 * (`DefaultAuthScheme: IAM_AUTH`: no secret registered with it; the construct grants its role
 * `rds-db:connect` as the app user;
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-connecting.html#rds-proxy-connecting-iam).
 * PostgreSQL here cannot check an IAM token, so after the bootstrap the app role gets the run's
 * password, which only the proxy holds (its user list): no secret the function may read has it.
 */
const CREATE_RDS_IAM = "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN CREATE ROLE rds_iam NOLOGIN; END IF; END $$";

async function asMaster(target: ClientConfig, admin: RoleLogin, body: (client: Client) => Promise<unknown>): Promise<void> {
  const client = new Client({ ...target, user: admin.username, password: admin.password });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await body(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** What {@link applyRolesAt} sends to the namespace it runs in. */
export interface RolesRequest {
  readonly roles: LocalRoles;
  readonly db: MasterLogin;
  readonly caFile: string;
  readonly timeoutMs: number;
}

/**
 * `applyRoles` from where the deployment's migration function runs: in this process on loopback,
 * else in a process of this CLI in the replica's namespace for its ENI (`__roles`).
 */
export function applyRolesAt(placement: Placement, request: RolesRequest): Promise<string[]> {
  if (placement.netns === undefined) return applyRoles(request.roles, request.db, request.caFile);
  return runPlaced<string[]>(placement, '__roles', request);
}

/** `secure-lambda-postgres __roles`: {@link applyRoles} for the request read from stdin (it holds the master password). */
export function rolesMain(): void {
  answerOneRequest((request) => {
    const r = request as RolesRequest;
    return applyRoles(r.roles, r.db, r.caFile);
  });
}
