import * as path from 'path';
import { applyClerkMode } from './clerk-mode';
import { DB_AUTH_MODES, ENV } from '../../../contract';
import { UsageError } from '../../../io';
import { pseudoParameters, resolveValue } from '../../assembly/intrinsics';
import { BackendSpec } from '../../assembly/model';

/** The local endpoints and credentials that replace the deployed ones in the function's environment. */
export interface LocalEndpoints {
  /** What the function connects to: PgBouncer, or PostgreSQL when there is no proxy. */
  readonly proxy: { readonly host: string; readonly port: number };
  readonly database: { readonly host: string; readonly port: number };
  /** The secret of the role the function logs in as (password authentication only). */
  readonly secretArn: string;
  readonly secretsManagerUrl: string;
  readonly region: string;
  readonly account: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken: string };
  readonly caFile: string;
  /** The local key's (`--clerk local`), or undefined to keep the template's (`--clerk template`). */
  readonly clerkPublicKeyPem?: string;
  /** Directory holding the AWS SDK the runtime provides (NODE_PATH). */
  readonly sdkDir: string;
  readonly codeDir: string;
  /** `--env NAME=VALUE` given on the command line: applied last. */
  readonly overrides: Readonly<Record<string, string>>;
}

/**
 * IAM database authentication as in AWS: the function has no secret and signs RDS auth tokens with
 * the credentials it is given (the runtime helper's `signRdsIamToken`, or `@aws-sdk/rds-signer` in
 * a handler of your own), for the proxy's host and port; the local proxy verifies them
 * (`rds-proxy/iam-token.ts`). PostgreSQL cannot check a token, so without a proxy it cannot run.
 */
function iamNote(l: LocalEndpoints): string {
  if (l.proxy.host === l.database.host && l.proxy.port === l.database.port) {
    throw new UsageError('IAM database authentication: the local proxy verifies the tokens the function signs, and this run has none; install PgBouncer (or drop --proxy none)');
  }
  return `IAM database authentication: the function signs RDS auth tokens with the local credentials (region ${l.region}) and the local proxy verifies them, as RDS Proxy does`;
}

/**
 * The function's environment for a local container: the template's variables with the
 * connection contract pointed at the local servers, Clerk verification set for `--clerk`, other references to deployed resources resolved where the local stack stands in for them,
 * plus what the Lambda runtime sets. Returns the environment and notes worth a line on screen.
 */
export function functionEnvironment(spec: BackendSpec, l: LocalEndpoints): { env: Record<string, string>; notes: string[] } {
  const m = spec.metadata;
  const refs = pseudoParameters(l.region, l.account, spec.stack.displayName);
  refs.set(m.secret, l.secretArn);
  const attributes = new Map([
    [`${m.proxy}.Endpoint`, l.proxy.host],
    [`${m.database}.Endpoint.Address`, l.database.host],
    [`${m.database}.Endpoint.Port`, String(l.database.port)],
  ]);
  const env: Record<string, string> = {};
  const unresolved: string[] = [];
  for (const [name, value] of Object.entries(spec.function.environment)) {
    const resolved = resolveValue(value, { refs, attributes });
    if (resolved === undefined) unresolved.push(name);
    env[name] = resolved ?? '';
  }
  const notes: string[] = [];
  Object.assign(env, { [ENV.DB_HOST]: l.proxy.host, [ENV.DB_PORT]: String(l.proxy.port) });
  if (env[ENV.DB_AUTH_MODE] === DB_AUTH_MODES.IAM) {
    notes.push(iamNote(l));
  } else {
    env[ENV.DB_SECRET_ARN] = l.secretArn;
  }
  notes.push(applyClerkMode(env, l.clerkPublicKeyPem));
  for (const name of unresolved.filter((n) => !(n in l.overrides) && env[n] === '')) {
    notes.push(`env ${name}: refers to a deployed resource the local stack does not run; set to '' (pass --env ${name}=VALUE)`);
  }
  const runtime: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    NODE_PATH: l.sdkDir,
    NODE_EXTRA_CA_CERTS: l.caFile,
    LAMBDA_TASK_ROOT: l.codeDir,
    _HANDLER: spec.function.handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_${spec.function.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: spec.function.logicalId,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.function.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    ...(spec.function.logFormat ? { AWS_LAMBDA_LOG_FORMAT: spec.function.logFormat } : {}),
    ...(spec.function.logLevel ? { AWS_LAMBDA_LOG_LEVEL: spec.function.logLevel } : {}),
    AWS_REGION: l.region,
    AWS_DEFAULT_REGION: l.region,
    AWS_ACCESS_KEY_ID: l.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: l.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: l.credentials.sessionToken,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: l.secretsManagerUrl,
    // Never the developer's own AWS profile, credentials or instance role.
    AWS_CONFIG_FILE: path.join(l.codeDir, '.no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(l.codeDir, '.no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  return { env: { ...runtime, ...env, ...l.overrides }, notes };
}
