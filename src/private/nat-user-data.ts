import * as ec2 from 'aws-cdk-lib/aws-ec2';

/**
 * What aws-cdk-lib's `NatInstanceProviderV2.DEFAULT_USER_DATA_COMMANDS` do (iptables-services,
 * IPv4 forwarding, MASQUERADE out of the default route's interface, FORWARD flushed of the
 * service's default REJECT, rules saved), each step retried.
 *
 * On Amazon Linux 2023 the install races other dnf runs at boot and fails now and then; CDK's
 * script goes on without the package and leaves an instance that forwards nothing
 * (https://github.com/aws/aws-cdk/issues/36717; the proposed fix, aws/aws-cdk#36718, retries
 * forever). Here every step gets 5 attempts, pausing 5, 10, 20 and 40 s; an install attempt first
 * waits up to 60 s for a running dnf, yum or rpm and is itself cut at 180 s. The script therefore
 * ends within about 21 minutes, in practice a few when the install keeps failing fast. After the last
 * attempt it prints a `nat-setup: FAILED` line, which reaches the serial console (`aws ec2
 * get-console-output`) and /var/log/cloud-init-output.log, schedules a shutdown a minute later and
 * exits 1 (cloud-init reports the user-data script failed). A running instance that forwards nothing
 * passes its status checks; a stopped one shows its state, and `natInstanceStatus`, which treats
 * missing status checks as breaching, fires. It forwards nothing either way; user data runs on the
 * first boot only (docs/operations.md says how to run it again)
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html,
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/troubleshoot-unreachable-instance.html).
 *
 * Tools are called by name (cloud-init's PATH has /usr/sbin) and the sysctl file's path can be
 * moved with NAT_SYSCTL_FILE, so a test can run the script against fakes.
 */
const SCRIPT = `
ATTEMPTS=5
SYSCTL_FILE=\${NAT_SYSCTL_FILE:-/etc/sysctl.d/custom-ip-forwarding.conf}

say() { echo "nat-setup: $*" >&2; }

# retry WHAT COMMAND...: up to $ATTEMPTS runs with doubling pauses; exit 1 when none succeeds.
retry() {
  local what=$1 attempt pause=5
  shift
  for attempt in $(seq "$ATTEMPTS"); do
    "$@" && return 0
    say "$what failed (attempt $attempt of $ATTEMPTS)"
    if [ "$attempt" -lt "$ATTEMPTS" ]; then sleep "$pause"; pause=$((pause * 2)); fi
  done
  say "FAILED: $what after $ATTEMPTS attempts; this instance does not forward traffic; stopping it in a minute"
  shutdown -h +1 'nat-setup failed: this NAT instance does not forward traffic'
  exit 1
}

install_iptables() {
  local i
  for i in $(seq 30); do pgrep -x 'dnf|yum|rpm' > /dev/null || break; sleep 2; done
  timeout 180 dnf install -y iptables-services
}

forward() {
  echo 'net.ipv4.ip_forward = 1' > "$SYSCTL_FILE" && sysctl -p "$SYSCTL_FILE"
}

# -C first: a retry after a later failure does not add the rule twice.
masquerade() {
  local dev
  dev=$(ip route show default | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')
  [ -n "$dev" ] || return 1
  { iptables -t nat -C POSTROUTING -o "$dev" -j MASQUERADE 2> /dev/null || iptables -t nat -A POSTROUTING -o "$dev" -j MASQUERADE; } &&
    iptables -F FORWARD && service iptables save
}

retry 'installing iptables-services' install_iptables
retry 'starting the iptables service' systemctl enable --now iptables
retry 'enabling IPv4 forwarding' forward
retry 'masquerading' masquerade
say 'forwarding'
`;

/** The NAT instances' user data: {@link SCRIPT} under `#!/bin/bash`. */
export function natUserData(): ec2.UserData {
  const userData = ec2.UserData.forLinux();
  userData.addCommands(...SCRIPT.trim().split('\n'));
  return userData;
}
