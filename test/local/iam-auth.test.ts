// IAM database authentication end to end on the local stack, as a deployment with
// `databaseAuthentication: IAM` runs it: the function signs RDS auth tokens with the credentials
// it is given (no secret to read), the local proxy verifies them as RDS Proxy does and refuses
// forged, expired, wrong-user and wrong-host tokens with RDS Proxy's text; the app role is a
// member of rds_iam.
import * as fs from 'fs';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Client } from 'pg';
import { bundleHandler, CliRun, http, pgpassLogins, runCli, synthApp, tempDir } from './helpers';
import { DatabaseAuthentication } from '../../src';
import { iamAuthenticationFailed } from '../../src/local/services/rds-proxy/iam-token';
import { BackendPlan, secretsOf } from '../../src/local/stack/backend';
import { planRoles } from '../../src/local/stack/roles';
import { REPO_ROOT } from '../harness/bundle';
import { pgbouncerUnavailable } from '../harness/stack';

jest.setTimeout(120_000);

// PgBouncer alone cannot check a token: the local RDS Proxy's front does, in front of PgBouncer.
const skip = pgbouncerUnavailable();
const maybe = skip ? describe.skip : describe;
if (skip) console.warn(`SKIPPED IAM authentication end to end: ${skip}`);

// A handler of the user's own: it signs with @aws-sdk/rds-signer, as the AWS documentation shows,
// from the credentials Lambda gives it; `?case=` signs a token the proxy must refuse.
const HANDLER = `
const { Client } = require('pg');
const { Signer } = require('@aws-sdk/rds-signer');
const { signRdsIamToken } = require(${JSON.stringify(path.join(REPO_ROOT, 'src/runtime/iam-token.ts'))});
const env = process.env;
const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN };
const base = { hostname: env.DB_HOST, port: Number(env.DB_PORT), username: env.DB_USER, region: env.AWS_REGION };
const tokens = {
  valid: () => new Signer({ ...base, credentials }).getAuthToken(),
  forged: () => new Signer({ ...base, credentials: { ...credentials, secretAccessKey: 'not-the-local-key' } }).getAuthToken(),
  expired: async () => signRdsIamToken({ ...base, credentials, now: new Date(Date.now() - 16 * 60_000) }),
  'wrong-user': () => new Signer({ ...base, username: 'app_owner', credentials }).getAuthToken(),
  'wrong-host': () => new Signer({ ...base, hostname: 'localhost', credentials }).getAuthToken(),
};
exports.handler = async (event) => {
  const which = (event.queryStringParameters || {}).case || 'valid';
  const client = new Client({ host: env.DB_HOST, port: Number(env.DB_PORT), database: env.DB_NAME, user: env.DB_USER,
    password: await tokens[which](), ssl: { rejectUnauthorized: true } });
  client.on('error', () => undefined);
  let body;
  try {
    await client.connect();
    const { rows } = await client.query('SELECT current_user AS usr, pg_has_role(current_user, \\'rds_iam\\', \\'MEMBER\\') AS rds_iam');
    body = { ok: true, ...rows[0], secret: env.DB_SECRET_ARN || null };
  } catch (err) {
    body = { ok: false, code: err.code, message: err.message };
  } finally {
    await client.end().catch(() => undefined);
  }
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
};
`;

let root: string;
beforeAll(() => {
  root = tempDir('iam');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

maybe('with databaseAuthentication: IAM on system PostgreSQL + the local proxy', () => {
  test('local verify --faults: the default handler signs its tokens and passes /health and /me, and after each fault', async () => {
    const assembly = synthApp(path.join(root, 'default'), { databaseAuthentication: DatabaseAuthentication.IAM });
    const { code, stdout, stderr } = await runCli(['local', 'verify', '--assembly', assembly, '--postgres', 'system', '--proxy', 'pgbouncer', '--faults']);
    // The handler's structured log lines (db.unavailable while a fault lasts) are expected; nothing
    // else, and none of them may carry a token (X-Amz-Signature) or a stack.
    const handlerLine = (l: string) => {
      try {
        const o = JSON.parse(l) as { level?: unknown; event?: unknown };
        return typeof o.level === 'string' && typeof o.event === 'string' && !/X-Amz-Signature|\n\s+at /.test(l);
      } catch {
        return false;
      }
    };
    expect({ code, stderr: stderr.split('\n').filter((l) => l !== '' && !handlerLine(l)).join('\n') }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^ {2}IAM database authentication: the function signs RDS auth tokens with the local credentials/m);
    expect(stdout).toMatch(/^GET \/prod\/health\s+PASS\s+200/m);
    expect(stdout).toMatch(/^GET \/prod\/me with a local token\s+PASS\s+200/m);
    expect(stdout).toMatch(/^fault: PostgreSQL stopped behind the proxy .*PASS .*the proxy serving again \d+ ms later/m);
    // No secret to rotate for the app role.
    expect(stdout).not.toMatch(/^fault: the app role's password rotated/m);
    expect(stdout).toMatch(/ 0 failed$/m);
  });

  describe('a handler that signs with @aws-sdk/rds-signer', () => {
    let serve: CliRun;
    let api: string;

    beforeAll(async () => {
      // @aws-sdk/rds-signer bundled, as the Lambda runtime does not provide it.
      const code = bundleHandler(root, HANDLER, []);
      const assembly = synthApp(path.join(root, 'custom'), {
        databaseAuthentication: DatabaseAuthentication.IAM,
        functionCode: lambda.Code.fromAsset(code),
        functionHandler: 'main.handler',
      });
      serve = CliRun.start(['local', 'serve', '--assembly', assembly, '--postgres', 'system', '--proxy', 'pgbouncer', '--port', '0']);
      api = (await serve.waitFor(/^api: (\S+)$/m))[1];
      await serve.waitFor(/^ready in /m);
    });
    afterAll(() => serve?.cleanup());

    test('a valid token logs in as the app role, a member of rds_iam, with no secret in the environment', async () => {
      const r = await http(`${api}db?case=valid`);
      expect(r.json).toEqual({ ok: true, usr: 'app', rds_iam: true, secret: null });
    });

    test.each(['forged', 'expired', 'wrong-user', 'wrong-host'])('a %s token is refused with RDS Proxy\'s text', async (which) => {
      const r = await http(`${api}db?case=${which}`);
      expect(r.json).toMatchObject({ ok: false, message: iamAuthenticationFailed('app') });
    });
  });
});

test('the local Secrets Manager holds no secret for the app role, as after deployment', () => {
  const spec = { schema: 'app', owner: 'app_owner', app: 'app' };
  const plan = (appAuth: 'password' | 'iam') => ({
    secretArn: 'arn:master', secret: '{}', roles: planRoles({ ...spec, appAuth }, 'arn:x', { host: '127.0.0.1', port: 5432, name: 'app' }),
  }) as unknown as BackendPlan;
  expect(secretsOf(plan('password')).map((s) => s.arn)).toEqual(['arn:master', 'arn:x/owner-local', 'arn:x/app-local']);
  expect(secretsOf(plan('iam')).map((s) => s.arn)).toEqual(['arn:master', 'arn:x/owner-local']);
});

// What holds before the proxy verifies tokens too: the roles as a deployment leaves them.
(pgbouncerUnavailable() ? describe.skip : describe)('the app role in IAM mode', () => {
  test('is a member of rds_iam, has no secret, and logs in to PostgreSQL with the run\'s password, which only the proxy holds', async () => {
    const assembly = synthApp(path.join(root, 'roles'), { databaseAuthentication: DatabaseAuthentication.IAM });
    const serve = CliRun.start(['local', 'serve', '--assembly', assembly, '--postgres', 'system', '--proxy', 'pgbouncer', '--port', '0']);
    try {
      const m = await serve.waitFor(/^database: postgres:\/\/app@([\d.]+):(\d+)\/(\w+)\n {2}password: in (\S+) \(PGPASSFILE; app's is the proxy's own login: the function signs IAM tokens\); TLS CA (\S+); through the proxy: port (\d+)$/m);
      await serve.waitFor(/^ready in /m);
      expect(serve.stdout).toMatch(/^ {2}roles: app is a member of rds_iam; the function logs in with IAM tokens the proxy verifies/m);
      const logins = pgpassLogins(m[4]);
      const client = new Client({ host: m[1], port: Number(m[2]), database: m[3], user: 'app', password: logins.get('app'), ssl: { ca: fs.readFileSync(m[5], 'utf8') } });
      await client.connect();
      try {
        const { rows } = await client.query("SELECT pg_has_role('app', 'rds_iam', 'MEMBER') AS member, current_setting('statement_timeout') AS statement");
        // The bootstrap sets the function's timeout (10 s by default) on the role, as in AWS.
        expect(rows[0]).toEqual({ member: true, statement: '10s' });
      } finally {
        await client.end();
      }
    } finally {
      await serve.cleanup();
    }
  });
});
