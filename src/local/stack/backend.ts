import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { LocalRdsProxy, startLocalRdsProxy } from './rds-proxy';
import { applyRolesAt, LocalRoles, MasterLogin, planRoles } from './roles';
import { BackendSpec } from '../assembly/model';
import { sdkDir, workerScript } from '../platform/assets';
import { FromComponent } from '../platform/component-protocol';
import { Placement } from '../platform/placement';
import { Supervisor } from '../platform/supervisor';
import { chownRecursive, freePort, RunAs } from '../platform/system';
import { Certificates } from '../platform/tls';
import { ApiConfig } from '../services/api-gateway/component';
import { codeDirectory } from '../services/lambda/code';
import { functionEnvironment, LocalEndpoints } from '../services/lambda/function-env';
import { functionLaunch, RuntimeSupport } from '../services/lambda/launch';
import { PostgresBinaries } from '../services/rds/binaries';
import { RunningPostgres, startPostgres } from '../services/rds/server';

/** Where each part of a backend runs: API Gateway and Lambda, the ENIs, and the AWS services it calls. */
export interface Placements {
  readonly public: Placement;
  readonly function: Placement;
  readonly proxy: Placement;
  readonly database: Placement;
  /** The migration function's ENI: where the roles are created and the migrations applied from. */
  readonly migration: Placement;
  readonly services: Placement;
}

/** Ports inside an isolated replica, where every host has ports of its own (none: any free port). */
export interface FixedPorts {
  readonly database: number;
  readonly proxy: number;
  readonly secretsManager: number;
}

/** What every backend of a run shares. */
export interface SharedParts {
  readonly supervisor: Supervisor;
  readonly placements: Placements;
  readonly ports?: FixedPorts;
  readonly runDir: string;
  readonly certs: Certificates;
  readonly postgres: PostgresBinaries;
  /** PgBouncer's path, or undefined to connect the function to PostgreSQL directly. */
  readonly pgbouncer?: string;
  readonly runAs?: RunAs;
  readonly region: string;
  readonly account: string;
  readonly credentials: LocalEndpoints['credentials'];
  /** Undefined under `--clerk template`: the template's key stays. */
  readonly clerkPublicKeyPem?: string;
  readonly env: Readonly<Record<string, string>>;
  readonly maxContainers: number;
  /** What the functions' runtimes need from this machine (Python's awslambdaric). @default none: Node.js only */
  readonly runtimes?: RuntimeSupport;
  /** `--data-dir`: PostgreSQL's data is kept there (one subdirectory per backend when several). */
  readonly dataDir?: string;
}

/** A backend's addresses and credentials, chosen before anything starts. */
export interface BackendPlan {
  readonly spec: BackendSpec;
  readonly dir: string;
  readonly dataDir: string;
  readonly apiPort: number;
  readonly database: { readonly host: string; readonly port: number; readonly user: string; readonly name: string };
  readonly proxy?: { readonly host: string; readonly port: number };
  readonly secretArn: string;
  /** The master secret's value, in the shape RDS writes. */
  readonly secret: string;
  readonly password: string;
  /** The owner and app roles, when the template has them; the function then logs in as the app role. */
  readonly roles?: LocalRoles;
}

/** The role the function logs in as (and PgBouncer serves): the app role, else the master user. */
export function functionLogin(plan: BackendPlan): { user: string; password: string; secretArn: string } {
  return plan.roles?.app ?? { user: plan.database.user, password: plan.password, secretArn: plan.secretArn };
}

/** Every local secret of a backend, for the Secrets Manager endpoint. */
export function secretsOf(plan: BackendPlan): Array<{ arn: string; value: string }> {
  // With IAM authentication the app role has no secret: its password is the proxy's own login.
  const roles = plan.roles ? [plan.roles.owner, ...(plan.roles.spec.appAuth === 'iam' ? [] : [plan.roles.app])] : [];
  return [{ arn: plan.secretArn, value: plan.secret }, ...roles.map((r) => ({ arn: r.secretArn, value: r.secret }))];
}

/** The parts of a running backend that the fault checks act on. */
export interface BackendParts {
  /** Replaced when it is started again. */
  postgres: RunningPostgres;
  readonly pgbouncer?: LocalRdsProxy;
}

/** A backend that runs: its plan, its URLs, and the notes the startup prints. */
export interface RunningBackend extends BackendPlan {
  readonly apiUrl: string;
  readonly lambdaUrl: string;
  readonly pgpassFile: string;
  readonly notes: readonly string[];
  readonly parts: BackendParts;
  /** Run the function and API of a new synth of the same backend; returns its notes. */
  reload(next: BackendSpec): readonly string[];
  /** {@link reload}, resolving once the API serves the new synth (within 10 s). */
  redeploy(next: BackendSpec): Promise<readonly string[]>;
  /** Apply the migrations of a new synth, as its deployment would; returns the lines to print. */
  migrate(next: BackendSpec): Promise<readonly string[]>;
}

/** What the API component runs for a function: the stage and the containers' configuration. */
interface FunctionConfig {
  readonly api: ApiConfig['api'];
  readonly pool: ApiConfig['pool'];
  readonly notes: string[];
}

export async function planBackend(spec: BackendSpec, index: number, count: number, apiPort: number, shared: SharedParts): Promise<BackendPlan> {
  const { placements } = shared;
  const dir = path.join(shared.runDir, `backend-${index}`);
  fs.mkdirSync(dir, { recursive: true });
  const db = spec.database;
  const password = randomBytes(24).toString('base64url');
  const databasePort = shared.ports?.database ?? await freePort(placements.database.host);
  const database = { host: placements.database.host, port: databasePort, user: db.masterUsername, name: db.databaseName };
  const proxy = shared.pgbouncer ? { host: placements.proxy.host, port: shared.ports?.proxy ?? await freePort(placements.proxy.host) } : undefined;
  const dataDir = shared.dataDir === undefined ? path.join(dir, 'data') : count > 1 ? path.join(shared.dataDir, spec.name.replace(/[^A-Za-z0-9_.-]/g, '_')) : shared.dataDir;
  const secretArnPrefix = `arn:aws:secretsmanager:${shared.region}:${shared.account}:secret:${spec.name.replace(/[^A-Za-z0-9/_+=.@-]/g, '-')}`;
  return {
    spec,
    dir,
    dataDir,
    apiPort,
    database,
    proxy,
    password,
    secretArn: `${secretArnPrefix}/database-local`,
    secret: JSON.stringify({ engine: 'postgres', host: database.host, port: database.port, username: database.user, password, dbname: database.name }),
    roles: spec.roles && planRoles(spec.roles, secretArnPrefix, { ...database }),
  };
}

/** The migration function's timeout: how long creating the roles and applying the migrations may take. */
const MIGRATION_TIMEOUT_MS = 10 * 60_000;

/**
 * What the deployment's migration function does (see `applyRoles`), from where its ENI is: in this
 * process on loopback, else in the replica's namespace for it.
 */
function migrateAt(placement: Placement, roles: LocalRoles, db: MasterLogin, caFile: string): Promise<string[]> {
  return applyRolesAt(placement, { roles, db, caFile, timeoutMs: MIGRATION_TIMEOUT_MS });
}

/**
 * Starts one backend: PostgreSQL (database tier), the roles and migrations, PgBouncer (application
 * tier) and the API emulation with the function's containers (public tier; containers in the
 * application tier).
 */
export async function startBackend(plan: BackendPlan, shared: SharedParts, secretsManagerUrl: Promise<string>): Promise<RunningBackend> {
  const { supervisor, placements } = shared;
  const { spec, dir, database, proxy, password } = plan;
  chownRecursive(dir, shared.runAs);
  const postgres = await startPostgres(supervisor, {
    binaries: shared.postgres,
    placement: placements.database,
    port: database.port,
    runDir: dir,
    certs: shared.certs,
    runAs: shared.runAs,
    dataDir: plan.dataDir,
    ephemeral: shared.dataDir === undefined,
    superuser: database.user,
    password,
    database: database.name,
  });
  const roleNotes = plan.roles ? await migrateAt(placements.migration, plan.roles, { ...database, password }, shared.certs.caFile) : [];
  const login = functionLogin(plan);
  const pgbouncer = shared.pgbouncer && proxy ? await startLocalRdsProxy({
    supervisor,
    spec,
    placement: placements.proxy,
    port: proxy.port,
    pgbouncerBin: shared.pgbouncer,
    database: { ...database },
    login,
    certs: shared.certs,
    runDir: dir,
    runAs: shared.runAs,
    iam: plan.roles?.spec.appAuth === 'iam' ? { region: shared.region, credentials: shared.credentials } : undefined,
  }) : undefined;
  const smUrl = await secretsManagerUrl;
  // The function's part of the configuration, again for each new synth of the app (reload).
  const functionConfig = (next: BackendSpec): FunctionConfig => {
    const codeDir = codeDirectory(next.function, dir);
    const runtime = functionLaunch(next.function, codeDir, shared.runtimes ?? {});
    const { env, notes } = functionEnvironment(next, {
      proxy: proxy ?? database,
      database,
      secretArn: login.secretArn,
      secretsManagerUrl: smUrl,
      region: shared.region,
      account: shared.account,
      credentials: shared.credentials,
      caFile: shared.certs.caFile,
      clerkPublicKeyPem: shared.clerkPublicKeyPem,
      sdkDir: sdkDir(),
      codeDir,
      overrides: shared.env,
    });
    const pool: ApiConfig['pool'] = {
      workerScript: workerScript(),
      launch: runtime.launch,
      environment: { ...env, ...runtime.env },
      placement: placements.function,
      timeoutMs: next.function.timeoutSeconds * 1000,
      maxContainers: shared.maxContainers,
      reservedConcurrency: next.function.reservedConcurrency,
    };
    return { api: next.api, pool, notes: runtime.note ? [runtime.note, ...notes] : notes };
  };
  const { api, pool, notes: functionNotes } = functionConfig(spec);
  const notes = [...roleNotes, ...(pgbouncer ? [pgbouncer.note] : []), ...functionNotes];
  const config: ApiConfig = {
    api,
    pool,
    functionNames: [spec.function.logicalId, spec.name, `${spec.name}/Function`],
    host: placements.public.host,
    port: plan.apiPort,
    lambdaPort: 0,
  };
  const { child, info } = await supervisor.startComponent('api', `API ${spec.name}`, placements.public, config);
  const pgpassFile = path.join(dir, 'pgpass');
  const pgpass = (user: string, secret: string) => `${database.host}:${database.port}:*:${user}:${secret.replace(/[:\\]/g, '\\$&')}\n`;
  const logins = [{ user: database.user, password }, ...(plan.roles ? [plan.roles.owner, plan.roles.app] : [])];
  fs.writeFileSync(pgpassFile, logins.map((l) => pgpass(l.user, l.password)).join(''), { mode: 0o600 });
  const host = placements.public.host;
  const reload = (next: BackendSpec) => {
    const update = functionConfig(next);
    supervisor.tell(child, { type: 'reload', api: update.api, pool: update.pool });
    return update.notes;
  };
  return {
    ...plan,
    pgpassFile,
    notes,
    parts: { postgres, pgbouncer },
    apiUrl: `http://${host}:${info.port}/${spec.api.stageName}/`,
    lambdaUrl: `http://${host}:${info.lambdaPort}`,
    migrate: async (next) => (plan.roles && next.roles
      ? migrateAt(placements.migration, { ...plan.roles, spec: next.roles }, { ...database, password }, shared.certs.caFile)
      : []),
    reload,
    redeploy: (next) => new Promise((resolve, reject) => {
      const onMessage = (m: FromComponent) => m.type === 'reloaded' && done(() => resolve(nextNotes));
      const timer = setTimeout(() => done(() => reject(new Error(`API ${spec.name} did not take the new synth within 10 s`))), 10_000);
      const done = (f: () => void) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        f();
      };
      child.on('message', onMessage);
      const nextNotes = reload(next);
    }),
  };
}
