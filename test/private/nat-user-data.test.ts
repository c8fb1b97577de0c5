// The NAT instance's user data, as synthesized, run for real by bash against fake system tools that
// keep the state a NAT instance would have (package installed, service running, rules, forwarding):
// a package install that fails at first (dnf racing another dnf at boot on Amazon Linux 2023) is
// retried; one that never succeeds ends the script non-zero, loudly, after a bounded number of tries.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Egress } from '../../src';
import { synth } from '../util';

/** The script of the NAT instance's `UserData` (`Fn::Base64` of a string or of an `Fn::Join`). */
function natUserData(): string {
  const { template } = synth({ egress: Egress.natInstances() });
  const [instance] = Object.values<any>(template.findResources('AWS::EC2::Instance', { Properties: { SourceDestCheck: false } }));
  const encoded = instance.Properties.UserData['Fn::Base64'];
  if (typeof encoded === 'string') return encoded;
  const [separator, parts] = encoded['Fn::Join'];
  if (!parts.every((p: unknown) => typeof p === 'string')) throw new Error(`user data with tokens: ${JSON.stringify(encoded)}`);
  return parts.join(separator);
}

/**
 * Fake tools, each logging its call to `calls` and keeping state in files of the sandbox: `dnf`
 * and `yum` fail while `install-failures` counts down, then install (`installed`); `pgrep` finds a
 * package manager running while `busy` counts down; `systemctl` and `service` need the package;
 * `iptables` keeps `rules` (flushing FORWARD fails while `flush-failures` counts down); `sysctl -p`
 * applies the file it is given; `sleep` only records; `timeout` runs its command.
 */
const FAKES: Record<string, string> = {
  dnf: `countdown install-failures && { echo "Error: [Errno 2] No such file or directory: '/var/cache/dnf/…/iptables-services.rpm'" >&2; exit 1; }
touch "$S/installed"`,
  pgrep: 'countdown busy',
  systemctl: '[ -e "$S/installed" ] || { echo "Failed to enable unit: Unit file iptables.service does not exist." >&2; exit 1; }',
  service: '[ -e "$S/installed" ] && [ "$*" = "iptables save" ] && cp "$S/rules" "$S/saved"',
  iptables: `case "$*" in
  "-t nat -C "*) grep -qxF -- "\${*:4}" "$S/rules" ;;
  "-t nat -A "*) echo "\${*:4}" >> "$S/rules" ;;
  "-F FORWARD") countdown flush-failures && exit 4; echo "FORWARD flushed" >> "$S/rules" ;;
  *) exit 2 ;;
esac`,
  sysctl: '[ "$1" = -p ] && grep -Eq "^net.ipv4.ip_forward ?= ?1$" "$2" && touch "$S/forwarding"',
  ip: '[ "$*" = "route show default" ] && echo "default via 10.0.0.1 dev ens5 proto dhcp src 10.0.0.10 metric 512"',
  sleep: 'echo "$1" >> "$S/sleeps"',
  shutdown: 'true',
  timeout: 'shift; exec "$@"',
};

interface Run {
  readonly status: number | null;
  readonly output: string;
  /** Each fake's calls, `tool args`. */
  readonly calls: string[];
  readonly sleeps: number[];
  readonly rules: string[];
  readonly saved: boolean;
  readonly forwarding: boolean;
}

/**
 * Refuses a script the fakes cannot fully stand in for: a tool by absolute path or through sudo, or
 * a path under /etc that the environment cannot move (`\${NAT_…:-/etc/…}`), would run or write on
 * this machine.
 */
function assertSandboxable(userData: string): void {
  const unsafe = /\/s?bin\/|sudo |\/etc\//.exec(userData.replace(/^#!.*\n/, '').replace(/\$\{NAT_[A-Z_]+:-[^}]*\}/g, ''));
  if (unsafe) throw new Error(`the user data would reach this machine (${unsafe[0]}): call tools by name and take file paths from the environment`);
}

let script: string;
let root: string;
beforeAll(() => {
  script = natUserData();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'slp-nat-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Runs the user data with the fakes first on PATH and `state` as the initial counters. */
function run(name: string, state: Record<string, number>): Run {
  assertSandboxable(script);
  const dir = path.join(root, name);
  const bin = path.join(dir, 'bin');
  const s = path.join(dir, 'state');
  fs.mkdirSync(bin, { recursive: true });
  fs.mkdirSync(s);
  fs.writeFileSync(path.join(s, 'rules'), '');
  for (const [file, count] of Object.entries(state)) fs.writeFileSync(path.join(s, file), String(count));
  const prelude = `#!/bin/bash
S='${s}'
echo "$(basename "$0") $*" >> "$S/calls"
# countdown FILE: true (and one less) while the counter in FILE is above 0.
countdown() { local n; n=$(cat "$S/$1" 2> /dev/null || echo 0); [ "$n" -gt 0 ] && echo $((n - 1)) > "$S/$1"; }
`;
  for (const [tool, body] of Object.entries({ ...FAKES, yum: FAKES.dnf })) {
    fs.writeFileSync(path.join(bin, tool), `${prelude}${body}\n`, { mode: 0o755 });
  }
  fs.writeFileSync(path.join(dir, 'user-data'), script);
  const result = spawnSync('bash', [path.join(dir, 'user-data')], {
    cwd: dir,
    env: { PATH: `${bin}:/usr/bin:/bin`, NAT_SYSCTL_FILE: path.join(dir, 'ip-forwarding.conf') },
    encoding: 'utf8',
    timeout: 30_000,
  });
  const lines = (file: string) => (fs.existsSync(path.join(s, file)) ? fs.readFileSync(path.join(s, file), 'utf8').split('\n').filter((l) => l !== '') : []);
  return {
    status: result.status,
    output: result.stdout + result.stderr,
    calls: lines('calls'),
    sleeps: lines('sleeps').map(Number),
    rules: lines('rules'),
    saved: fs.existsSync(path.join(s, 'saved')),
    forwarding: fs.existsSync(path.join(s, 'forwarding')),
  };
}

const installs = (r: Run) => r.calls.filter((c) => /^(dnf|yum) install/.test(c));
const MASQUERADE = ['POSTROUTING -o ens5 -j MASQUERADE', 'FORWARD flushed'];

test('the script finds its tools on PATH and writes no system file the test cannot redirect', () => {
  expect(() => assertSandboxable(script)).not.toThrow();
  expect(() => assertSandboxable('sudo /sbin/iptables -F FORWARD')).toThrow(/would reach this machine/);
  expect(() => assertSandboxable('echo 1 > /etc/sysctl.d/x.conf')).toThrow(/would reach this machine/);
  expect(execFileSync('bash', ['-n'], { input: script })).toHaveLength(0);
});

test('a package install that fails twice is retried: forwarding, masquerading and the saved rules follow', () => {
  const r = run('flaky-install', { 'install-failures': 2 });
  expect(installs(r)).toHaveLength(3);
  expect(r.calls.filter((c) => c.startsWith('shutdown'))).toEqual([]);
  expect(r.status).toBe(0);
  expect(r.rules).toEqual(MASQUERADE);
  expect(r.saved).toBe(true);
  expect(r.forwarding).toBe(true);
  expect(r.calls).toContain('systemctl enable --now iptables');
});

test('another dnf running at boot is waited for before each install, for at most a minute', () => {
  const checksBeforeInstall = (r: Run) => r.calls.slice(0, r.calls.findIndex((c) => /^(dnf|yum) /.test(c))).filter((c) => c.startsWith('pgrep'));
  const busy = run('busy', { busy: 2 });
  expect(busy.status).toBe(0);
  expect(checksBeforeInstall(busy)).toHaveLength(3);
  expect(busy.sleeps).toEqual([2, 2]);
  // One that never ends: the install is tried anyway after 30 checks 2 s apart.
  const stuck = run('stuck', { busy: 1000 });
  expect(checksBeforeInstall(stuck)).toHaveLength(30);
  expect(stuck.sleeps).toEqual(Array(30).fill(2));
  expect(stuck.status).toBe(0);
});

test('an iptables failure after the rule is added is retried without adding it twice', () => {
  const r = run('flaky-iptables', { 'flush-failures': 1 });
  expect(r.status).toBe(0);
  expect(r.rules).toEqual(MASQUERADE);
  expect(r.saved).toBe(true);
});

test('an install that never succeeds: exit 1 after 5 attempts and at most 75 s of pauses, saying so', () => {
  const r = run('broken-install', { 'install-failures': 100 });
  expect(installs(r)).toHaveLength(5);
  expect(r.status).toBe(1);
  expect(r.sleeps).toEqual([5, 10, 20, 40]);
  // Each attempt is cut after 3 minutes: with the minute's wait for dnf, about 21 minutes at worst.
  expect(r.calls.filter((c) => c.startsWith('timeout'))).toEqual(Array(5).fill('timeout 180 dnf install -y iptables-services'));
  expect(r.output).toMatch(/nat-setup: FAILED: installing iptables-services after 5 attempts; this instance does not forward traffic/);
  // Nothing is configured on top of a missing package.
  expect(r.calls.filter((c) => /^(iptables|service|systemctl)/.test(c))).toEqual([]);
  // The instance stops itself a minute later (the line reaches the console first): its state says
  // so, and natInstanceStatus, which treats missing status checks as breaching, fires.
  expect(r.calls.filter((c) => c.startsWith('shutdown'))).toEqual(['shutdown -h +1 nat-setup failed: this NAT instance does not forward traffic']);
});

test('masquerading that never succeeds: exit 1, and the rules are not saved', () => {
  const r = run('broken-iptables', { 'flush-failures': 100 });
  expect(r.calls.filter((c) => c === 'iptables -F FORWARD')).toHaveLength(5);
  expect(r.status).toBe(1);
  expect(r.rules).toEqual(['POSTROUTING -o ens5 -j MASQUERADE']);
  expect(r.output).toMatch(/nat-setup: FAILED: masquerading/);
  expect(r.saved).toBe(false);
  expect(r.calls.filter((c) => c.startsWith('shutdown'))).toHaveLength(1);
});
