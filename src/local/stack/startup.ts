import { functionLogin } from './backend';
import { HttpCall, httpFrom } from './checks';
import { LocalStack, StackOptions, startLocalStack } from './stack';
import { loopback } from '../platform/placement';
import { Supervisor } from '../platform/supervisor';

/** Prints a line for the user. */
export type Say = (line: string) => void;

/**
 * Start the stack, stopping everything it started when that fails, and print what runs where:
 * the engine, the proxy stand-in, each backend's notes and its `api:` / `lambda:` / `database:`
 * lines (no password: where it is instead).
 */
export async function startAndDescribe(o: StackOptions, supervisor: Supervisor, say: Say): Promise<LocalStack> {
  let stack: LocalStack;
  try {
    stack = await startLocalStack(o, supervisor, say);
  } catch (err) {
    await supervisor.stop();
    throw err;
  }
  const pg = stack.postgres;
  say(`PostgreSQL ${pg.version} (${pg.kind}: ${pg.source}), TLS required on every TCP connection (rds.force_ssl), throwaway CA`);
  say(stack.proxy.bin
    ? 'proxy: RDS Proxy\'s client rules (startup parameters, TLS, authentication, pinning) before PgBouncer (a transaction pool, and a session pool for pinned sessions)'
    : `proxy: none (${stack.proxy.absent}): the function connects to PostgreSQL directly`);
  say(`Secrets Manager: ${stack.secretsManagerUrl} (the AWS JSON protocol; the function's SDK calls it)`);
  for (const b of stack.backends) {
    say(`backend ${b.spec.name} (stack ${b.spec.stack.displayName}), function ${b.spec.function.logicalId}: ${b.spec.function.handler}, ${b.spec.function.runtime}, timeout ${b.spec.function.timeoutSeconds} s`);
    for (const note of b.notes) say(`  ${note}`);
    say(`api: ${b.apiUrl}`);
    say(`lambda: ${b.lambdaUrl} (direct invocation: aws lambda invoke --endpoint-url ${b.lambdaUrl} --function-name ${b.spec.function.logicalId} out.json)`);
    const d = b.database;
    const login = functionLogin(b);
    say(`database: postgres://${login.user}@${d.host}:${d.port}/${d.name}`);
    const where = b.roles?.spec.appAuth === 'iam' ? `(PGPASSFILE; ${login.user}'s is the proxy's own login: the function signs IAM tokens)` : `(PGPASSFILE) and in the local secret ${login.secretArn}`;
    say(`  password: in ${b.pgpassFile} ${where}; TLS CA ${stack.caFile}${b.proxy ? `; through the proxy: ${b.proxy.host === d.host ? 'port ' : `${b.proxy.host}:`}${b.proxy.port}` : ''}`);
    if (login.user !== d.user) say(`  admin: postgres://${d.user}@${d.host}:${d.port}/${d.name} (the master user; password in the same file and in ${b.secretArn})`);
  }
  return stack;
}

/** GET `{apiUrl}health` once (from where `call` runs): the status, and the time since this process started. */
export async function firstHealth(apiUrl: string, call: HttpCall = httpFrom(loopback('public'))): Promise<{ status: number | string; seconds: number }> {
  let status: number | string;
  try {
    status = (await call(`${apiUrl}health`)).status;
  } catch (err) {
    status = (err as Error).name;
  }
  return { status, seconds: process.uptime() };
}
