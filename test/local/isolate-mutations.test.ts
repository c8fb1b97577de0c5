// The isolated replica can fail: the synthesized template is changed the way a mistake would
// change it, and `local verify --isolate` must name the check that the mistake breaks (and only
// that one), because the packet filters come from the template and nothing else.
import * as fs from 'fs';
import * as path from 'path';
import { runCli, synthApp, tempDir } from './helpers';
import { isolationSkip } from './isolate-helpers';

jest.setTimeout(120_000);

let dir: string;
let assembly: string;
let template: string;
beforeAll(() => {
  dir = tempDir('isolate-mutations');
  assembly = synthApp(path.join(dir, 'cdk.out'));
  template = path.join(assembly, 'LocalTest.template.json');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A copy of the assembly with its template changed. */
function mutate(name: string, change: (resources: Record<string, any>) => void): string {
  const copy = path.join(dir, name);
  fs.cpSync(assembly, copy, { recursive: true });
  const json = JSON.parse(fs.readFileSync(template, 'utf8'));
  change(json.Resources);
  fs.writeFileSync(path.join(copy, 'LocalTest.template.json'), JSON.stringify(json));
  return copy;
}

function idOf(resources: Record<string, any>, type: string, pattern: RegExp): string {
  const found = Object.entries<any>(resources).filter(([id, r]) => r.Type === type && pattern.test(id)).map(([id]) => id);
  expect(found).toHaveLength(1);
  return found[0];
}

async function verifyIsolated(assemblyDir: string) {
  const run = await runCli(['local', 'verify', '--isolate', '--assembly', assemblyDir, '--postgres', 'system']);
  const row = (check: RegExp) => run.stdout.split('\n').find((l) => check.test(l)) ?? `no row ${check} in:\n${run.stdout}\n${run.stderr}`;
  return { ...run, row, last: run.stdout.trim().split('\n').pop() };
}

(isolationSkip ? describe.skip : describe)(`mutations of the template${isolationSkip ? ` (skipped: ${isolationSkip})` : ''}`, () => {
  test('an ingress rule on the database group from 0.0.0.0/0: test case 2 fails, through the public subnet', async () => {
    const mutated = mutate('db-open', (r) => {
      const group = idOf(r, 'AWS::EC2::SecurityGroup', /DatabaseSecurityGroup/);
      r[group].Properties.SecurityGroupIngress = [{ IpProtocol: 'tcp', CidrIp: '0.0.0.0/0', FromPort: 5432, ToPort: 5432, Description: 'mistake' }];
    });
    const { code, row, last, leftovers } = await verifyIsolated(mutated);
    expect(row(/^test case 2: /)).toMatch(/ FAIL .*database via the public subnet: CONNECTED in \d+ ms/);
    // The isolated tier still has no route back to the internet itself: the direct connect times out.
    expect(row(/^test case 2: /)).toMatch(/database direct: timed out after 3\.0 s/);
    expect(row(/^invoke \{\} \(test case 1/)).toMatch(/ PASS /);
    expect(last).toMatch(/^\d+ passed, 1 failed$/);
    expect({ code, leftovers }).toEqual({ code: 1, leftovers: [] });
  });

  test('the function→proxy egress rule removed: test case 1 fails', async () => {
    const mutated = mutate('fn-no-proxy', (r) => {
      delete r[idOf(r, 'AWS::EC2::SecurityGroupEgress', /^BackendFunctionSecurityGroupto.*ProxySecurityGroup/)];
    });
    const { code, row, stdout } = await verifyIsolated(mutated);
    // The connect to the proxy is dropped: the handler gives up at its deadline, within the timeout.
    expect(row(/^invoke \{\} \(test case 1/)).toMatch(/ FAIL +200 \{"status":"error","error":"database-unavailable"\} \(\d{4}\.\d ms\)$/);
    expect(row(/^GET \/prod\/health/)).toMatch(/ FAIL +503 \{"error":"service_unavailable","reason":"database-unavailable"\}/);
    expect(row(/^test case 2: /)).toMatch(/ PASS /);
    expect(row(/^the function reaches the internet only through the NAT/)).toMatch(/ PASS /);
    expect(stdout.trim().split('\n').pop()).toMatch(/^\d+ passed, [1-9] failed$/);
    expect(code).toBe(1);
  });

  test('the proxy group without inline egress: the replica reports that the proxy may reach the internet', async () => {
    const mutated = mutate('proxy-default-egress', (r) => {
      delete r[idOf(r, 'AWS::EC2::SecurityGroup', /ProxySecurityGroup/)].Properties.SecurityGroupEgress;
    });
    const { code, row, last } = await verifyIsolated(mutated);
    expect(row(/^finding: /)).toMatch(/ProxySecurityGroup\w+ \(proxy\) has no inline egress: EC2 keeps its default rule, so proxy may send anything anywhere/);
    expect(row(/^the proxy has no way out to the internet/)).toMatch(/ FAIL +proxy → 203\.0\.113\.20:443: CONNECTED in \d+ ms \(the server saw 10\.0\.0\.10\)/);
    expect(row(/^invoke \{\} \(test case 1/)).toMatch(/ PASS /);
    expect(last).toMatch(/^\d+ passed, 1 failed$/);
    expect(code).toBe(1);
  });
});
