import * as fs from 'fs';
import * as path from 'path';
import { referencedId } from './intrinsics';
import { DatabaseSpec, FunctionSpec, ProxySpec } from './model';
import { refusedRuntime, runtimeFamily } from './runtimes';
import { StackArtifact, TemplateResource } from '../../assembly/manifest';
import { DEFAULT_DB_PORT } from '../../contract';
import { UsageError } from '../../io';

type Props = Record<string, any>;

function resource(stack: StackArtifact, logicalId: string, type: string): TemplateResource & { Properties: Props } {
  const r = stack.template.Resources?.[logicalId];
  if (r?.Type !== type) {
    throw new UsageError(`${stack.displayName}: the template has no ${type} ${logicalId}; synthesize the app again with this version of secure-lambda-postgres`);
  }
  return { ...r, Properties: r.Properties ?? {} };
}

/**
 * Where an asset of a resource (a function's code, a layer's content) was staged: `cdk synth`
 * (asset metadata on) names the directory; the asset manifest always does, by the S3 key's hash.
 */
export function assetSource(stack: StackArtifact, r: TemplateResource, s3Key: unknown): string | undefined {
  const fromMetadata = r.Metadata?.['aws:asset:path'];
  if (typeof fromMetadata === 'string') return path.resolve(stack.directory, fromMetadata);
  const hash = typeof s3Key === 'string' ? /^([0-9a-f]{64})\.zip$/.exec(s3Key)?.[1] : undefined;
  return hash ? stack.assets.get(hash) : undefined;
}

/** The function's handler, runtime, environment, limits and code, read from the template. */
export function readFunction(stack: StackArtifact, logicalId: string): FunctionSpec {
  const r = resource(stack, logicalId, 'AWS::Lambda::Function');
  const p = r.Properties;
  const runtime = String(p.Runtime ?? '');
  if (!runtimeFamily(runtime)) throw new UsageError(`${stack.displayName}: ${refusedRuntime(runtime)}`);
  return {
    logicalId,
    handler: String(p.Handler ?? 'index.handler'),
    runtime,
    timeoutSeconds: typeof p.Timeout === 'number' ? p.Timeout : 3,
    memoryMb: typeof p.MemorySize === 'number' ? p.MemorySize : 128,
    reservedConcurrency: typeof p.ReservedConcurrentExecutions === 'number' ? p.ReservedConcurrentExecutions : undefined,
    logFormat: typeof p.LoggingConfig?.LogFormat === 'string' ? p.LoggingConfig.LogFormat : undefined,
    logLevel: typeof p.LoggingConfig?.ApplicationLogLevel === 'string' ? p.LoggingConfig.ApplicationLogLevel : undefined,
    environment: p.Environment?.Variables ?? {},
    code: readCode(stack, logicalId, r),
  };
}

function readCode(stack: StackArtifact, logicalId: string, r: TemplateResource & { Properties: Props }): FunctionSpec['code'] {
  const code: Props = r.Properties.Code ?? {};
  if (typeof code.ZipFile === 'string') {
    return { inline: code.ZipFile };
  }
  const source = assetSource(stack, r, code.S3Key);
  if (!source || !fs.existsSync(source)) {
    throw new UsageError(`${stack.displayName}: the code of function ${logicalId} is not in the assembly; run \`cdk synth\` again`);
  }
  if (fs.statSync(source).isDirectory()) return { directory: source };
  if (source.endsWith('.zip')) return { zip: source };
  throw new UsageError(`${stack.displayName}: the code of function ${logicalId} is a file (${path.basename(source)}), not a zip archive; use lambda.Code.fromAsset with a directory or a .zip file`);
}

/** The instance's database name, master user and port. */
export function readDatabase(stack: StackArtifact, logicalId: string): DatabaseSpec {
  const p = resource(stack, logicalId, 'AWS::RDS::DBInstance').Properties;
  const literal = (v: unknown, fallback: string) => (typeof v === 'string' || typeof v === 'number' ? String(v) : fallback);
  return {
    logicalId,
    databaseName: literal(p.DBName, 'postgres'),
    masterUsername: literal(p.MasterUsername, 'postgres'),
    port: Number(literal(p.Port, String(DEFAULT_DB_PORT))),
    engineVersion: typeof p.EngineVersion === 'string' ? p.EngineVersion : undefined,
    instanceClass: typeof p.DBInstanceClass === 'string' ? p.DBInstanceClass : undefined,
  };
}

/** The proxy's TLS requirement, idle client timeout and its target group's borrow timeout. */
export function readProxy(stack: StackArtifact, logicalId: string): ProxySpec {
  const p = resource(stack, logicalId, 'AWS::RDS::DBProxy').Properties;
  const targetGroup = Object.values(stack.template.Resources ?? {})
    .find((r) => r.Type === 'AWS::RDS::DBProxyTargetGroup' && referencedId(r.Properties?.DBProxyName) === logicalId);
  const pool = targetGroup?.Properties?.ConnectionPoolConfigurationInfo as Props | undefined;
  const borrow = pool?.ConnectionBorrowTimeout;
  const maxConnectionsPercent = typeof pool?.MaxConnectionsPercent === 'number' ? pool.MaxConnectionsPercent : 100;
  return {
    logicalId,
    requireTls: p.RequireTLS !== false,
    idleClientTimeoutSeconds: typeof p.IdleClientTimeout === 'number' ? p.IdleClientTimeout : 1800,
    // RDS Proxy's default.
    borrowTimeoutSeconds: typeof borrow === 'number' ? borrow : 120,
    // RDS Proxy's defaults: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-connections.html
    maxConnectionsPercent,
    maxIdleConnectionsPercent: typeof pool?.MaxIdleConnectionsPercent === 'number' ? pool.MaxIdleConnectionsPercent : Math.floor(maxConnectionsPercent / 2),
  };
}
