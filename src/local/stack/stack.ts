import { randomBytes } from 'crypto';
import * as net from 'net';
import * as path from 'path';
import { FixedPorts, planBackend, Placements, RunningBackend, secretsOf, SharedParts, startBackend } from './backend';
import { localSigningKey } from './clerk';
import { UsageError } from '../../io';
import { discoverBackends } from '../assembly/discover';
import { BackendSpec } from '../assembly/model';
import { FromComponent } from '../platform/component-protocol';
import { loopback } from '../platform/placement';
import { Supervisor } from '../platform/supervisor';
import { chownRecursive, serviceUser } from '../platform/system';
import { makeCertificates } from '../platform/tls';
import { ClerkMode } from '../services/lambda/clerk-mode';
import { findPostgres, PostgresBinaries, PostgresChoice, runnableBy } from '../services/rds/binaries';
import { findPgbouncer } from '../services/rds-proxy/pgbouncer';
import { SecretsConfig } from '../services/secrets-manager/component';

export type ProxyChoice = 'auto' | 'pgbouncer' | 'none';

/** Where the servers run: loopback with free ports, or the hosts of an isolated replica with fixed ones. */
export interface StackNetwork {
  readonly placements: Placements;
  readonly ports?: FixedPorts;
}

export interface StackOptions {
  readonly assembly: string;
  readonly stack?: string;
  /** The first backend's API port (0: any free port); the next backends take the ports after it. */
  readonly port: number;
  readonly postgres: PostgresChoice;
  readonly proxy: ProxyChoice;
  readonly dataDir?: string;
  readonly env: Readonly<Record<string, string>>;
  readonly maxContainers: number;
  /** Whose key verifies Clerk session tokens (`--clerk`). @default 'local' */
  readonly clerk?: ClerkMode;
  /** @default every server on loopback */
  readonly network?: StackNetwork;
}

/** A started local stack: every backend of the assembly, and what they run on. */
export interface LocalStack {
  readonly backends: readonly RunningBackend[];
  readonly postgres: PostgresBinaries;
  /** PgBouncer's path, or why the function connects to PostgreSQL directly. */
  readonly proxy: { readonly bin?: string; readonly absent?: string };
  readonly secretsManagerUrl: string;
  /** The run's CA certificate (PEM): what clients of PostgreSQL and PgBouncer trust. */
  readonly caFile: string;
  /** The credentials and region the functions get (what they sign IAM database tokens with). */
  readonly credentials: SharedParts['credentials'];
  readonly region: string;
  /** Store a new value of a local secret (a rotation); resolves once reads return it. */
  putSecret(arn: string, value: string): Promise<void>;
}

/** The placements of a run on this machine: every tier on loopback. */
export function loopbackPlacements(): Placements {
  const application = loopback('application');
  return { public: loopback('public'), function: application, proxy: application, database: loopback('database'), migration: application, services: loopback('services') };
}

async function ensurePortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', () => reject(new UsageError(`port ${port} is in use: stop what is using it, or pass --port N (0 for any free port)`)));
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

/**
 * Reads the assembly and starts every backend in it with the supervisor, which stops whatever
 * was started if this fails. `say` prints a line for the user.
 */
export async function startLocalStack(o: StackOptions, supervisor: Supervisor, say: (line: string) => void): Promise<LocalStack> {
  const specs = discoverBackends(path.resolve(o.assembly), o.stack);
  const recovered = supervisor.recoverAbandoned();
  if (recovered) say(recovered);
  // What `local token` reads to refuse signing for a stack that would not accept its tokens.
  supervisor.describeRun({ assembly: path.resolve(o.assembly), clerk: o.clerk ?? 'local' });
  const placements = o.network?.placements ?? loopbackPlacements();
  for (let i = 0; i < specs.length; i++) await ensurePortFree(placements.public.host, o.port === 0 ? 0 : o.port + i);
  const pgbouncer = o.proxy === 'none' ? undefined : findPgbouncer();
  if (o.proxy === 'pgbouncer' && !pgbouncer) {
    throw new UsageError('--proxy pgbouncer: PgBouncer is not installed (apt-get install pgbouncer, brew install pgbouncer), or use --proxy none');
  }
  const runAs = serviceUser();
  const runDir = supervisor.makeTempDir('local');
  chownRecursive(runDir, runAs);
  const postgres = runnableBy(findPostgres(o.postgres, say), runAs, runDir);
  const hosts = Object.values(placements).map((p) => p.host);
  const shared: SharedParts = {
    supervisor,
    placements,
    ports: o.network?.ports,
    runDir,
    postgres,
    pgbouncer,
    runAs,
    certs: makeCertificates(path.join(runDir, 'tls'), hosts),
    region: regionOf(specs[0]),
    account: specs[0].stack.account ?? '000000000000',
    credentials: {
      accessKeyId: 'ASIA' + randomBytes(8).toString('hex').toUpperCase(),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(60).toString('base64'),
    },
    clerkPublicKeyPem: o.clerk === 'template' ? undefined : localSigningKey().publicKeyPem,
    env: o.env,
    maxContainers: o.maxContainers,
    dataDir: o.dataDir && path.resolve(o.dataDir),
  };
  const plans = await Promise.all(specs.map((spec, i) => planBackend(spec, i, specs.length, o.port === 0 ? 0 : o.port + i, shared)));
  const secrets: SecretsConfig = {
    host: placements.services.host,
    port: o.network?.ports?.secretsManager ?? 0,
    region: shared.region,
    accessKeyId: shared.credentials.accessKeyId,
    secrets: plans.flatMap(secretsOf),
  };
  const component = supervisor.startComponent('secrets-manager', 'Secrets Manager', placements.services, secrets);
  const sm = component.then((c) => String(c.info.url));
  // Settle every start before failing, so nothing is started after the supervisor stops.
  const started = await Promise.allSettled([sm, ...plans.map((plan) => startBackend(plan, shared, sm))]);
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const backends = started.slice(1).map((r) => (r as PromiseFulfilledResult<RunningBackend>).value);
  return {
    backends,
    postgres,
    secretsManagerUrl: await sm,
    caFile: shared.certs.caFile,
    credentials: shared.credentials,
    region: shared.region,
    proxy: pgbouncer ? { bin: pgbouncer } : { absent: o.proxy === 'none' ? '--proxy none' : 'PgBouncer is not installed' },
    putSecret: async (arn, value) => {
      const { child } = await component;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => done(() => reject(new Error(`Secrets Manager did not store ${arn} within 5 s`))), 5000);
        const onMessage = (m: FromComponent) => m.type === 'stored' && m.arn === arn && done(resolve);
        const done = (f: () => void) => {
          clearTimeout(timer);
          child.off('message', onMessage);
          f();
        };
        child.on('message', onMessage);
        supervisor.tell(child, { type: 'put-secret', arn, value });
      });
    },
  };
}

function regionOf(spec: BackendSpec): string {
  return spec.stack.region ?? process.env.AWS_REGION ?? process.env.CDK_DEFAULT_REGION ?? 'us-east-1';
}
