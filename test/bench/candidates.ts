/**
 * `npx projen bench:candidates`: the ways a cold container can do the two jobs of its first
 * request besides the query, each bundled with the handler's esbuild flags and run in a fresh
 * process: `require` of the bundle plus the first call, and the RSS after it. Repeats interleaved,
 * medians side by side. The choices in README: Performance rest on these figures.
 */
import { execFile } from 'child_process';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { build, ROOT } from './build';
import { median } from '../../scripts/bench-stats';
import { LocalSecretsManager } from '../../src/local/services/secrets-manager/server';
import { Deadline } from '../../src/runtime/deadline';
import { getSecretValue } from '../../src/runtime/get-secret-value';
import { makeSigningKey, sessionToken } from '../harness/clerk';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 10);
const REGION = 'eu-west-1';
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDBENCHCANDIDATES', AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key', AWS_SESSION_TOKEN: 'bench-session-token' };

interface Candidate {
  readonly job: 'read the database secret' | 'verify a session token';
  readonly name: string;
  readonly bundle: string;
}

const dir = (f: string) => path.join('scripts', 'bench', 'candidates', f);
const candidates = (): Candidate[] => [
  { job: 'read the database secret', name: 'Secrets Manager SDK client', bundle: build('c-secret-sdk', dir('secret-sdk.ts')).bundle },
  { job: 'read the database secret', name: '@smithy/signature-v4 + fetch', bundle: build('c-secret-smithy', dir('secret-smithy-fetch.ts')).bundle },
  { job: 'read the database secret', name: 'extension HTTP API (emulated)', bundle: build('c-secret-ext', dir('secret-extension.ts')).bundle },
  { job: 'read the database secret', name: 'node:crypto SigV4 + node:https (chosen)', bundle: build('c-secret-ours', dir('secret-signed-https.ts')).bundle },
  { job: 'verify a session token', name: '@clerk/backend verifyToken', bundle: build('c-verify-clerk', dir('verify-clerk.ts')).bundle },
  { job: 'verify a session token', name: '@clerk/backend/jwt verifyJwt', bundle: build('c-verify-jwt', dir('verify-clerk-jwt.ts')).bundle },
  { job: 'verify a session token', name: 'jose jwtVerify (the floor\'s)', bundle: build('c-verify-jose', dir('verify-jose.ts')).bundle },
  { job: 'verify a session token', name: '@clerk/backend verifyToken, handler flags (chosen)', bundle: build('c-verify-ours', dir('verify-clerk.ts'), true).bundle },
];

// In the child: time from before `require` to the first answer; fails loudly on no answer.
const PROBE = `const t=process.hrtime.bigint();require(process.env.BUNDLE).run(process.env.ARG).then((v)=>{
if(!v)process.exit(3);console.log(JSON.stringify({ms:Number(process.hrtime.bigint()-t)/1e6,rss:process.memoryUsage().rss/1048576}))},()=>process.exit(4))`;

function probe(c: Candidate, env: Record<string, string>, arg: string): Promise<{ ms: number; rss: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', PROBE], { env: { PATH: process.env.PATH ?? '', ...env, BUNDLE: c.bundle, ARG: arg }, cwd: ROOT, timeout: 30_000 }, (err, stdout) => {
      if (err) {
        reject(new Error(`${c.name}: ${err.message}`));
      } else {
        resolve(JSON.parse(stdout) as { ms: number; rss: number });
      }
    });
  });
}

/** The extension's API on loopback: checks the token header, then reads from Secrets Manager as the extension does on a miss. */
async function extensionEmulator(smEnv: Record<string, string>): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/secretsmanager/get' || req.headers['x-aws-parameters-secrets-token'] !== CREDENTIALS.AWS_SESSION_TOKEN) {
      res.writeHead(400).end();
      return;
    }
    getSecretValue(url.searchParams.get('secretId') ?? '', Deadline.after(5000), { env: smEnv })
      .then((out) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ SecretString: out.SecretString, VersionId: out.VersionId })))
      .catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return server;
}

async function main(): Promise<void> {
  const all = candidates();
  const sm = await LocalSecretsManager.start(REGION, CREDENTIALS.AWS_ACCESS_KEY_ID);
  const arn = sm.arn('app/db');
  sm.put(arn, JSON.stringify({ username: 'app', password: 'bench-password' }));
  const smEnv = { ...CREDENTIALS, AWS_REGION: REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url };
  const extension = await extensionEmulator(smEnv);
  const key = makeSigningKey();
  const env = {
    ...smEnv,
    PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String((extension.address() as AddressInfo).port),
    CLERK_JWT_KEY: key.publicKeyPem,
    CLERK_AUTHORIZED_PARTIES: 'https://app.example.com, https://admin.example.com',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const samples = new Map<Candidate, Array<{ ms: number; rss: number }>>(all.map((c) => [c, []]));
  try {
    for (let r = 0; r < REPEATS; r++) {
      for (const c of [...all.slice(r % all.length), ...all.slice(0, r % all.length)]) {
        const arg = c.job === 'read the database secret' ? arn : sessionToken(key);
        samples.get(c)!.push(await probe(c, env, arg));
      }
      process.stderr.write(`bench:candidates: round ${r + 1}/${REPEATS} done\n`);
    }
  } finally {
    extension.close();
    await sm.stop();
  }
  console.log(`medians of ${REPEATS} interleaved repeats; each a fresh process: require of the bundle + the first call\n`);
  console.log('| job | candidate | require + first call (ms) | RSS after (MiB) | ms vs the first of its job |');
  console.log('| --- | --- | --- | --- | --- |');
  const firstOf = new Map<string, number>();
  for (const c of all) {
    const ms = median(samples.get(c)!.map((s) => s.ms));
    const rss = median(samples.get(c)!.map((s) => s.rss));
    firstOf.set(c.job, firstOf.get(c.job) ?? ms);
    console.log(`| ${c.job} | ${c.name} | ${ms.toFixed(1)} | ${rss.toFixed(1)} | ${(ms / firstOf.get(c.job)!).toFixed(2)}× |`);
  }
}

main().catch((err) => {
  console.error(`bench:candidates: ${(err as Error).message}`);
  process.exit(1);
});
