// The project's own local Secrets Manager and throwaway CA, for the Python package's tests: prints
// one JSON line describing them, then obeys one JSON command per stdin line (put, fail, heal,
// reads; fail takes the AWS error type in value; verify runs the TypeScript Clerk verifier) and
// answers each with one line. Bundled with esbuild by conftest.py.
import * as readline from 'node:readline';
import { makeCertificates } from '../../src/local/platform/tls';
import { LocalSecretsManager } from '../../src/local/services/secrets-manager/server';
import { ClerkVerifier } from '../../src/runtime/clerk';

// Answers are marked: the verifier's own log lines go to stdout too.
const reply = (answer: unknown) => process.stdout.write(`REPLY ${JSON.stringify(answer)}\n`);

async function main(): Promise<void> {
  const [dir, region, accessKeyId] = process.argv.slice(2);
  const certs = makeCertificates(dir);
  const sm = await LocalSecretsManager.start(region, accessKeyId);
  process.stdout.write(JSON.stringify({ caFile: certs.caFile, certFile: certs.certFile, keyFile: certs.keyFile, url: sm.url, arn: sm.arn('app') }) + '\n');
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const c = JSON.parse(line) as { op: string; arn: string; value?: string };
    if (c.op === 'verify') {
      // The TypeScript handler's verifier on a token (in arn) with the Clerk settings in value.
      const result = await ClerkVerifier.fromEnv(JSON.parse(c.value ?? '{}') as Record<string, string>).verifySessionToken(c.arn);
      reply(result.ok ? { ok: true, userId: result.userId } : { ok: false, status: result.status, reason: result.reason });
      continue;
    }
    if (c.op === 'put') sm.put(c.arn, c.value ?? '');
    if (c.op === 'fail') sm.fail(c.arn, c.value ?? 'AccessDeniedException', c.value === 'InternalServiceError' ? 500 : 400);
    if (c.op === 'heal') sm.heal(c.arn);
    reply({ reads: sm.readsOf(c.arn), signed: sm.requests.every((r) => r.signed) });
  }
  await sm.stop();
}

void main();
