// `local verify --isolate --faults` as a user runs it, through the shipped command: the seed's
// two test cases and the isolation checks in the replica, the faults with their measured times,
// a clean teardown, the next run cleaning up after a killed one, and a plain "no" without root.
import * as fs from 'fs';
import * as path from 'path';
import { CliRun, runCli, synthApp, tempDir } from './helpers';
import { isolationSkip } from './isolate-helpers';
import { NETNS_DIR } from '../../src/local/platform/placement';

jest.setTimeout(180_000);

const namespaces = () => (fs.existsSync(NETNS_DIR) ? fs.readdirSync(NETNS_DIR).filter((n) => n.startsWith('slp-')) : []);
const row = (stdout: string, name: RegExp) => stdout.split('\n').find((l) => name.test(l)) ?? `no row ${name} in:\n${stdout}`;

let dir: string;
let assembly: string;
beforeAll(() => {
  dir = tempDir('isolate-verify');
  assembly = synthApp(path.join(dir, 'cdk.out'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

(isolationSkip ? describe.skip : describe)(`local verify --isolate${isolationSkip ? ` (skipped: ${isolationSkip})` : ''}`, () => {
  test('--faults: both test cases, the isolation checks and the faults pass; nothing is left behind', async () => {
    const before = namespaces();
    const { code, stdout, stderr, leftovers, leftoverFiles } = await runCli(['local', 'verify', '--isolate', '--faults', '--assembly', assembly, '--postgres', 'system']);
    expect({ code, stderr: stderr.split('\n').filter((l) => !/^\{"/.test(l) && l !== '').join('\n') }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^replica: 9 network namespaces \(router, internet, fn, proxy, db, migrate, nat, api, edge\) in \d+\.\d s; packet filters from \d+ security groups/m);
    expect(row(stdout, /^invoke \{\} \(test case 1/)).toMatch(/ PASS +200 \{"status":"ok","now":"\d{4}-/);
    const tc2 = row(stdout, /^test case 2: /);
    expect(tc2).toMatch(/^test case 2: from the internet, database 10\.0\.12\.10:5432 and proxy 10\.0\.4\.11:5432 time out \(3\.0 s\) +PASS/);
    for (const route of ['database direct', 'database via the public subnet', 'proxy direct', 'proxy via the public subnet']) {
      expect(tc2).toContain(`${route}: timed out after 3.0 s`);
    }
    expect(row(stdout, /^the function cannot reach the database directly/)).toMatch(/ PASS +function → database 10\.0\.12\.10:5432: timed out after 3\.0 s/);
    expect(row(stdout, /^the database has no way out/)).toMatch(/ PASS +database → 203\.0\.113\.20:443: ENETUNREACH .*\(no route\)/);
    expect(row(stdout, /^the function reaches the internet only through the NAT \(10\.0\.0\.10\)/)).toMatch(/ PASS .*CONNECTED in \d+ ms \(the server saw 10\.0\.0\.10\)/);
    expect(row(stdout, /^the proxy has no way out/)).toMatch(/ PASS +proxy → 203\.0\.113\.20:443: timed out after 3\.0 s/);
    for (const fault of [/^fault: the proxy frozen/, /^fault: PostgreSQL stopped behind the proxy/]) {
      const line = row(stdout, fault);
      expect(line).toMatch(/ PASS +during: 503 \{"error":"service_unavailable","reason":"database-unavailable"\} in (\d+\.\d+) s \(the function's timeout is 10\.00 s\);.* the first request after it ended: 200 /);
      expect(Number(/ in (\d+\.\d+) s \(the function's timeout/.exec(line)![1])).toBeLessThan(10);
    }
    expect(row(stdout, /^fault: the app role's password rotated/)).toMatch(/ PASS +while only PostgreSQL had the new password: 503 in .*; after Secrets Manager had it too: 200 after \d+ requests?, \d+\.\d+ s/);
    expect(stdout).toMatch(/^isolated run: \d+\.\d s wall time; every namespace removed$/m);
    expect(stdout.trim().split('\n').pop()).toBe('14 passed, 0 failed');
    expect({ leftovers, leftoverFiles, namespaces: namespaces() }).toEqual({ leftovers: [], leftoverFiles: [], namespaces: before });
  });

  test('with the bastion and the VPC endpoints: the bastion reaches the proxy, the function reads its secret through the endpoint', async () => {
    const options = synthApp(path.join(dir, 'options.out'), { bastion: true, vpcEndpoints: true });
    const { code, stdout } = await runCli(['local', 'verify', '--isolate', '--assembly', options, '--postgres', 'system']);
    expect(stdout).toMatch(/^replica: 11 network namespaces \(router, internet, fn, proxy, db, migrate, bastion, sm, nat, api, edge\)/m);
    expect(stdout).toMatch(/^Secrets Manager: http:\/\/10\.0\.4\.\d+:443 /m);
    expect(row(stdout, /^the bastion reaches the proxy on 5432/)).toMatch(/ PASS +bastion → proxy 10\.0\.4\.11:5432: CONNECTED/);
    expect(row(stdout, /^invoke \{\} \(test case 1/)).toMatch(/ PASS +200 /);
    expect(stdout.trim().split('\n').pop()).toBe('12 passed, 0 failed');
    expect(code).toBe(0);
  });

  test('--isolate with --proxy none is refused: the function\'s group admits only the proxy', async () => {
    const { code, stderr, leftovers } = await runCli(['local', 'verify', '--isolate', '--proxy', 'none', '--assembly', assembly]);
    expect({ code, leftovers }).toEqual({ code: 2, leftovers: [] });
    expect(stderr).toMatch(/^secure-lambda-postgres: --isolate runs the proxy where the template puts RDS Proxy .*: drop --proxy none\n$/);
  });

  test('--show-rules alone prints the compiled model and starts nothing', async () => {
    const before = namespaces();
    const { code, stdout, leftovers } = await runCli(['local', 'verify', '--show-rules', '--assembly', assembly]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^replica of LocalTest\/Backend: VPC 10\.0\.0\.0\/16;/m);
    expect(stdout).toMatch(/^ {4}chain db_ingress \{$/m);
    expect(stdout).not.toMatch(/passed/);
    expect({ leftovers, namespaces: namespaces() }).toEqual({ leftovers: [], namespaces: before });
  });

  test('a run killed outright (SIGKILL) leaves namespaces and servers that the next start removes', async () => {
    const first = CliRun.start(['local', 'verify', '--isolate', '--assembly', assembly, '--postgres', 'system']);
    try {
      await first.waitFor(/^ready in /m, 60_000);
      const ours = namespaces().filter((n) => n.startsWith(`slp-${first.pid.toString(36)}_`));
      expect(ours).toHaveLength(9);
      await first.stop('SIGKILL');
      expect((await first.leftovers()).length).toBeGreaterThan(0);
      const next = await runCli(['local', 'verify', '--isolate', '--assembly', assembly, '--postgres', 'system']);
      expect(next.stdout).toMatch(new RegExp(`^cleaned up after an earlier run that did not stop \\(pid ${first.pid}\\): [1-9]\\d* processes stopped, its temporary files removed, 9 network namespaces removed$`, 'm'));
      expect(next.code).toBe(0);
      expect(namespaces().filter((n) => ours.includes(n))).toEqual([]);
      expect(await first.leftovers()).toEqual([]);
    } finally {
      await first.cleanup();
    }
  });
});

describe('without root', () => {
  let cache: string;
  beforeAll(() => {
    cache = tempDir('nobody-cache');
    fs.chownSync(cache, 65534, 65534);
  });
  afterAll(() => fs.rmSync(cache, { recursive: true, force: true }));
  const asNobody = () => ({ user: 'nobody', env: { XDG_CACHE_HOME: cache } });
  // Running the command as another user (nobody) takes root; as a user the test is that user already.
  const maybe = process.getuid?.() === 0 ? test : test.skip;
  if (process.getuid?.() !== 0) console.warn('SKIPPED --isolate without root: running the command as nobody needs root');

  maybe('--isolate says plainly why it cannot isolate and exits 2, starting nothing', async () => {
    const { code, stdout, stderr, leftovers } = await runCli(['local', 'verify', '--isolate', '--assembly', assembly], asNobody());
    expect({ code, stdout, leftovers }).toEqual({ code: 2, stdout: '', leftovers: [] });
    expect(stderr).toBe('secure-lambda-postgres: --isolate creates network namespaces, which takes root: run it as root (sudo), or run `local verify` without --isolate\n');
  });

  maybe('plain local verify still works', async () => {
    const { code, stdout, stderr, leftovers } = await runCli(['local', 'verify', '--assembly', assembly, '--postgres', 'system'], asNobody());
    expect(stderr).toBe('');
    expect(stdout.trim().split('\n').pop()).toBe('6 passed, 0 failed');
    expect({ code, leftovers }).toEqual({ code: 0, leftovers: [] });
  });
});
