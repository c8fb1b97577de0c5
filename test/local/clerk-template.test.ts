// `local serve --clerk template`: the template's clerkJwtKey stays, so the sessions a developer's
// Clerk development instance issues to their app on localhost are accepted. A generated RSA-2048
// key pair stands in for the instance: the app is synthesized with its public PEM, and the test
// signs Clerk-shaped session tokens with its private key.
import * as fs from 'fs';
import * as path from 'path';
import { CliRun, http, runCli, synthApp, tempDir } from './helpers';
import { makeSigningKey, sessionToken } from '../harness/clerk';
import { pgbouncerUnavailable } from '../harness/stack';

jest.setTimeout(120_000);

const ORIGIN = 'http://localhost:5173';
const ISSUER = 'https://clerk-dev.example.accounts.dev';
const instance = makeSigningKey();
let assembly: string;
beforeAll(() => {
  assembly = synthApp(path.join(tempDir('assembly'), 'cdk.out'), {
    clerkJwtKey: instance.publicKeyPem,
    clerkIssuer: ISSUER,
    clerkAuthorizedParties: [ORIGIN],
  });
});
afterAll(() => fs.rmSync(path.dirname(assembly), { recursive: true, force: true }));

/** A session the instance issues to the app on localhost. */
const fromInstance = (sub: string) => sessionToken(instance, { claims: { sub, azp: ORIGIN, iss: ISSUER } });
const me = (api: string, token: string) => http(`${api}me`, { headers: { authorization: `Bearer ${token}` } });

/** `local token` run from elsewhere (no serve on its default assembly): a token of the local key. */
async function localKeyToken(sub: string): Promise<string> {
  const cwd = tempDir('elsewhere');
  try {
    const { code, stdout } = await runCli(['local', 'token', '--sub', sub, '--azp', ORIGIN, '--iss', ISSUER], { cwd });
    expect(code).toBe(0);
    return stdout.trim();
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

async function serveWith(clerk: string[]): Promise<{ serve: CliRun; api: string }> {
  const serve = CliRun.start(['local', 'serve', '--assembly', assembly, '--postgres', 'system', '--proxy', 'none', '--port', '0', ...clerk]);
  await serve.waitFor(/^ready in /m);
  return { serve, api: (await serve.waitFor(/^api: (http:\/\/127\.0\.0\.1:\d+\/prod\/)$/m))[1] };
}

const skip = pgbouncerUnavailable();
(skip ? describe.skip : describe)(`Clerk sessions on system PostgreSQL${skip ? ` (skipped: ${skip})` : ''}`, () => {
  test('--clerk template: the instance\'s sessions are accepted, a local-key token is refused, and local token refuses to sign', async () => {
    const { serve, api } = await serveWith(['--clerk', 'template']);
    try {
      expect(serve.stdout).toContain(`\n  Clerk: the function verifies session tokens against the template's clerkJwtKey, your Clerk instance (--clerk template): the sessions it issues to ${ORIGIN}, issuer ${ISSUER} are accepted; \`local token\` does not sign for it\n`);
      const accepted = await me(api, fromInstance('user_clerk_dev'));
      expect({ status: accepted.status, userId: accepted.json.userId }).toEqual({ status: 200, userId: 'user_clerk_dev' });
      const refused = await me(api, await localKeyToken('user_local'));
      expect(refused.status).toBe(401);
      const token = await runCli(['local', 'token', '--assembly', assembly]);
      expect({ code: token.code, stdout: token.stdout, lines: token.stderr.trim().split('\n') }).toEqual({
        code: 2,
        stdout: '',
        lines: [expect.stringMatching(new RegExp(`^secure-lambda-postgres: local token: under --clerk template .* \\(the \`local serve\` of .*cdk\\.out, pid ${serve.pid}, runs with --clerk template\\)$`))],
      });
    } finally {
      await serve.cleanup();
    }
  });

  test('--clerk local (the default): the instance\'s sessions are refused, local token\'s are accepted', async () => {
    const { serve, api } = await serveWith([]);
    try {
      expect(serve.stdout).toMatch(/^ {2}Clerk: the function verifies session tokens against the local key instead of your Clerk instance \(--clerk local;/m);
      expect((await me(api, fromInstance('user_clerk_dev'))).status).toBe(401);
      const token = await runCli(['local', 'token', '--assembly', assembly, '--sub', 'user_local']);
      expect(token.code).toBe(0);
      const accepted = await me(api, token.stdout.trim());
      expect({ status: accepted.status, userId: accepted.json.userId }).toEqual({ status: 200, userId: 'user_local' });
    } finally {
      await serve.cleanup();
    }
  });
});
