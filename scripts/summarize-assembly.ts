/**
 * Prints a short, human-readable summary of every stack in a synthesized CDK cloud assembly:
 * network layout, security-group rules (with warnings for world-open ingress), resource counts
 * the security-relevant settings of RDS, RDS Proxy, Lambda, API Gateway and EC2 resources, and
 * the monthly cost estimate of src/cost.
 *
 *   npx ts-node --project tsconfig.dev.json scripts/summarize-assembly.ts cdk.out
 *
 * Reads plain JSON only (manifest.json and the stack templates); nested-stack and asset templates
 * are not followed, integ-test `DeployAssert` stacks are skipped. Never prints env var values.
 */
import * as path from 'path';
import { CfnResource, loadStacks, StackTemplate } from '../src/cost/assembly';
import { estimateCost, formatEstimate, PricingError } from '../src/cost/calculator';
import { UsageError } from '../src/io';

export { UsageError, loadStacks };
export type { CfnResource, CfnTemplate, StackTemplate } from '../src/cost/assembly';

/** CloudFormation property bags are free-form JSON. */
type Props = { [key: string]: any };

const TIER_ORDER = ['Public', 'Private', 'Isolated'];
const WIDTH = 100;

/** The full text summary of a cloud assembly; throws UsageError if it is missing or has no stacks. */
export function summarizeAssembly(dir: string): string {
  const stacks = loadStacks(dir);
  if (stacks.length === 0) throw new UsageError(`no CloudFormation stacks in ${path.join(dir, 'manifest.json')}`);
  return stacks.map(s => summarizeStack(s).join('\n')).join('\n\n');
}

// ---------- value helpers ----------
/** Literal values as text, any intrinsic function as `(token)`. */
const str = (v: unknown): string =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '(token)';
const flag = (v: unknown): string => (v === undefined ? 'unset' : str(v));
/** Logical id behind `{ Ref: X }` or `{ "Fn::GetAtt": [X, ...] }`. */
const refId = (v: any): string | undefined =>
  typeof v?.Ref === 'string' ? v.Ref : Array.isArray(v?.['Fn::GetAtt']) ? v['Fn::GetAtt'][0] : undefined;
const tag = (r: CfnResource, key: string): unknown =>
  (Array.isArray(r.Properties?.Tags) ? r.Properties!.Tags : []).find((t: Props) => t.Key === key)?.Value;
/** CIDR text; a GetAtt (e.g. the VPC's CidrBlock) is shown as `X.Attr (token)`. */
function cidr(v: unknown): string {
  if (typeof v === 'string') return v;
  const att = (v as Props)?.['Fn::GetAtt'];
  return Array.isArray(att) ? `${att.join('.')} (token)` : '(token)';
}
/** Endpoint service name; `com.amazonaws.<region>.` is dropped. */
function serviceName(v: any): string {
  const parts: unknown[] = Array.isArray(v?.['Fn::Join']) ? v['Fn::Join'][1] : [v];
  const text = parts.map(p => (typeof p === 'string' ? p : String((p as Props)?.Ref ?? '').startsWith('AWS::') ? '${' + (p as Props).Ref + '}' : '(token)')).join('');
  return text.replace(/^com\.amazonaws\.(\$\{AWS::Region\}|[a-z0-9-]+)\./, '');
}
/** Pack items into indented lines no wider than WIDTH. */
function pack(items: string[], indent: string, sep = ', '): string[] {
  const out: string[] = [];
  let line = '';
  for (const item of items) {
    if (line && indent.length + line.length + sep.length + item.length > WIDTH) { out.push(indent + line); line = ''; }
    line = line ? line + sep + item : item;
  }
  if (line) out.push(indent + line);
  return out;
}

// ---------- security-group rules ----------
interface Rule { readonly dir: 'in' | 'out'; readonly text: string; readonly placeholder: boolean; readonly open: boolean }
const PROTOCOLS: { [n: string]: string } = { '-1': 'all', '1': 'icmp', '6': 'tcp', '17': 'udp', '58': 'icmpv6' };

function ports(p: Props): string {
  const proto = PROTOCOLS[String(p.IpProtocol)] ?? str(p.IpProtocol);
  if (proto === 'all') return 'all traffic';
  const [from, to] = [p.FromPort, p.ToPort];
  if (from === undefined && to === undefined) return `${proto} all`;
  if ([from, to].some(x => typeof x !== 'number' && typeof x !== 'string')) {
    // CDK derives the database port from the instance: show where it comes from.
    const att = (from as Props)?.['Fn::GetAtt'];
    return `${proto} ${Array.isArray(att) ? `${att.join('.')} (token)` : '(token)'}`;
  }
  if (/^(tcp|udp)$/.test(proto) && Number(from) === 0 && Number(to) === 65535) return `${proto} all ports`;
  if (/^icmp/.test(proto) && Number(from) === -1) return `${proto} all`;
  return Number(from) === Number(to) ? `${proto} ${from}` : `${proto} ${from}-${to}`;
}

function toRule(p: Props, dir: 'in' | 'out', sgName: (v: unknown) => string): Rule {
  const sg = dir === 'in' ? p.SourceSecurityGroupId : p.DestinationSecurityGroupId;
  const pl = dir === 'in' ? p.SourcePrefixListId : p.DestinationPrefixListId;
  const peer = p.CidrIp !== undefined ? cidr(p.CidrIp)
    : p.CidrIpv6 !== undefined ? cidr(p.CidrIpv6)
      : sg !== undefined ? `sg:${sgName(sg)}`
        : pl !== undefined ? `prefix-list:${str(pl)}`
          : p.SourceSecurityGroupName !== undefined ? `sg:${str(p.SourceSecurityGroupName)}` : '(unknown peer)';
  const text = `${peer} ${ports(p)}`;
  return {
    dir,
    text,
    placeholder: dir === 'out' && text === '255.255.255.255/32 icmp 252-86',
    open: dir === 'in' && (p.CidrIp === '0.0.0.0/0' || p.CidrIpv6 === '::/0'),
  };
}

// ---------- per-stack summary ----------
export function summarizeStack(stack: StackTemplate): string[] {
  const res = stack.template.Resources ?? {};
  const all = Object.entries(res);
  const ofType = (t: string): Array<[string, Props]> =>
    all.filter(([, r]) => r.Type === t).map(([id, r]) => [id, r.Properties ?? {}]);
  const isType = (id: string | undefined, t: string) => id !== undefined && res[id]?.Type === t;
  const out: string[] = [];
  const title = `Stack ${stack.name}  (${[stack.environment, stack.templateFile].filter(Boolean).join(', ')})`;
  out.push(title, '='.repeat(Math.min(title.length, WIDTH)));

  // Network
  const subnets = all.filter(([, r]) => r.Type === 'AWS::EC2::Subnet');
  const vpcs = ofType('AWS::EC2::VPC');
  const endpoints = ofType('AWS::EC2::VPCEndpoint');
  const flowLogs = ofType('AWS::EC2::FlowLog');
  if (vpcs.length + subnets.length + endpoints.length + flowLogs.length > 0) {
    out.push('Network');
    for (const [id, p] of vpcs) out.push(`  VPC ${id} ${cidr(p.CidrBlock)}`);
    const tiers = new Map<string, Array<[string, CfnResource]>>();
    for (const s of subnets) {
      const tier = str(tag(s[1], 'aws-cdk:subnet-type') ?? 'Untagged');
      tiers.set(tier, [...(tiers.get(tier) ?? []), s]);
    }
    const rank = (t: string) => (TIER_ORDER.includes(t) ? TIER_ORDER.indexOf(t) : TIER_ORDER.length);
    const sorted = [...tiers.entries()].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
    out.push(`  Subnets: ${sorted.length ? sorted.map(([t, ss]) => `${t} ${ss.length}`).join(', ') : 'none'}`);
    for (const [tier, ss] of sorted) {
      const mapped = ss.filter(([, r]) => r.Properties?.MapPublicIpOnLaunch === true).length;
      const ip = mapped === 0 ? 'no' : mapped === ss.length ? 'yes' : `${mapped}/${ss.length}`;
      const where = ss.map(([, r]) => `${str(r.Properties?.AvailabilityZone)} ${str(r.Properties?.CidrBlock)}`).join(', ');
      out.push(`    ${tier.padEnd(9)} ${where}  | auto-assign public IP: ${ip}`);
    }
    out.push(`  NAT gateways: ${ofType('AWS::EC2::NatGateway').length}, internet gateways: ${ofType('AWS::EC2::InternetGateway').length}`);
    const eps = endpoints.map(([, p]) => {
      const type = str(p.VpcEndpointType ?? 'Gateway');
      const dns = p.PrivateDnsEnabled === undefined ? 'unset' : p.PrivateDnsEnabled === true ? 'on' : str(p.PrivateDnsEnabled) === 'false' ? 'off' : str(p.PrivateDnsEnabled);
      return `${serviceName(p.ServiceName)} (${type}${type === 'Interface' ? `, private DNS ${dns}` : ''})`;
    });
    out.push(...pack([`VPC endpoints: ${eps.length ? eps.join('; ') : 'none'}`], '  '));
    const fl = flowLogs.map(([, p]) => `${str(p.ResourceType)} ${str(p.TrafficType)} -> ${str(p.LogDestinationType ?? 'cloud-watch-logs')}`);
    out.push(`  Flow logs: ${fl.length ? `${fl.length} (${fl.join('; ')})` : 'none'}`);
  }

  // Security groups
  const sgs = ofType('AWS::EC2::SecurityGroup');
  const standalone = [...ofType('AWS::EC2::SecurityGroupIngress'), ...ofType('AWS::EC2::SecurityGroupEgress')];
  if (sgs.length + standalone.length > 0) {
    const sgName = (v: unknown): string => {
      const id = refId(v);
      return id !== undefined && isType(id, 'AWS::EC2::SecurityGroup') ? id : typeof v === 'string' ? v : id ?? '(token)';
    };
    const rules = new Map<string, Rule[]>();
    const add = (key: string, r: Rule) => rules.set(key, [...(rules.get(key) ?? []), r]);
    for (const [id, p] of sgs) {
      for (const r of Array.isArray(p.SecurityGroupIngress) ? p.SecurityGroupIngress : []) add(id, toRule(r, 'in', sgName));
      for (const r of Array.isArray(p.SecurityGroupEgress) ? p.SecurityGroupEgress : []) add(id, toRule(r, 'out', sgName));
    }
    for (const [id, p] of standalone) {
      const dir = res[id].Type.endsWith('Ingress') ? 'in' : 'out';
      add(p.GroupId !== undefined ? sgName(p.GroupId) : str(p.GroupName), toRule(p, dir, sgName));
    }
    const warnings: string[] = [];
    out.push(`Security groups (${sgs.length})`);
    const groups: Array<[string, string]> = sgs.map(([id, p]) => [id, `"${str(p.GroupDescription)}"`]);
    for (const key of rules.keys()) if (!sgs.some(([id]) => id === key)) groups.push([key, '(not defined in this stack)']);
    for (const [id, label] of groups) {
      const rs = rules.get(id) ?? [];
      const ins = rs.filter(r => r.dir === 'in');
      const outs = rs.filter(r => r.dir === 'out' && !r.placeholder);
      out.push(`  ${id} ${label}`);
      out.push(...pack(ins.length ? ins.map(r => r.text) : ['none'], '    in:  ', '; ').map((l, i) => (i ? '         ' + l.replace(/^\s*in:\s+/, '') : l)));
      // EC2 keeps its default allow-all egress on a group created without inline egress;
      // standalone egress rules only add to it.
      const group = sgs.find(([gid]) => gid === id)?.[1];
      const ec2Default = group !== undefined && !(Array.isArray(group.SecurityGroupEgress) && group.SecurityGroupEgress.length > 0);
      const egress = [
        ...(ec2Default ? ['all traffic to 0.0.0.0/0 (EC2 default: no inline egress declared)'] : []),
        ...outs.map(r => r.text),
      ];
      if (egress.length === 0) egress.push(rs.some(r => r.placeholder) ? 'none (all outbound denied)' : 'no rules in this stack');
      if (ec2Default) warnings.push(`WARNING: ${id} declares no inline egress, so EC2 lets it send anything anywhere`);
      out.push(...pack(egress, '    out: ', '; ').map((l, i) => (i ? '         ' + l.replace(/^\s*out:\s+/, '') : l)));
      for (const r of ins.filter(x => x.open)) warnings.push(`WARNING: ${id} allows ingress from ${r.text}`);
    }
    out.push(...warnings);
  }

  // Resource counts
  const counts = new Map<string, number>();
  for (const [, r] of all) counts.set(r.Type, (counts.get(r.Type) ?? 0) + 1);
  out.push(`Resources (${all.length})`);
  const cells = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([t, n]) => `${t} ${n}`);
  const colWidth = Math.min(48, Math.max(0, ...cells.map(c => c.length)) + 2);
  const perRow = Math.max(1, Math.floor((WIDTH - 2) / colWidth));
  for (let i = 0; i < cells.length; i += perRow) out.push('  ' + cells.slice(i, i + perRow).map(c => c.padEnd(colWidth)).join('').trimEnd());

  // Key facts (each wrapped onto continuation lines when wider than WIDTH)
  const facts: string[] = [];
  const fact = (...parts: string[]) => facts.push(...pack(parts, '  ').map((l, i) => (i ? '  ' + l : l.trimStart())));
  for (const [id, p] of ofType('AWS::RDS::DBInstance')) {
    fact(`RDS instance ${id}: ${str(p.Engine)} ${flag(p.EngineVersion)}`, str(p.DBInstanceClass), `PubliclyAccessible=${flag(p.PubliclyAccessible)}`,
      `StorageEncrypted=${flag(p.StorageEncrypted)}`, `DeletionProtection=${flag(p.DeletionProtection)}`, `MultiAZ=${flag(p.MultiAZ)}`);
  }
  for (const [id, p] of ofType('AWS::RDS::DBCluster')) {
    fact(`RDS cluster ${id}: ${str(p.Engine)} ${flag(p.EngineVersion)}`, `StorageEncrypted=${flag(p.StorageEncrypted)}`, `DeletionProtection=${flag(p.DeletionProtection)}`);
  }
  for (const [id, p] of ofType('AWS::RDS::DBProxy')) {
    const iam = (Array.isArray(p.Auth) ? p.Auth : []).map((a: Props) => flag(a.IAMAuth)).join('/') || 'unset';
    const scheme = p.DefaultAuthScheme !== undefined ? `, DefaultAuthScheme=${str(p.DefaultAuthScheme)}` : '';
    fact(`RDS proxy ${id}: EngineFamily=${str(p.EngineFamily)}`, `RequireTLS=${flag(p.RequireTLS)}`, `IAM auth=${iam}${scheme}`);
  }
  for (const [id, p] of ofType('AWS::Lambda::Function')) {
    const vars = p.Environment?.Variables;
    const env = vars && typeof vars === 'object' && !refId(vars) ? Object.keys(vars) : [];
    const runtime = p.Runtime !== undefined ? str(p.Runtime) : p.PackageType === 'Image' ? 'container image' : 'unset';
    const arch = Array.isArray(p.Architectures) ? p.Architectures.map(str).join('/') : 'x86_64 (default)';
    fact(`Lambda ${id}: ${runtime}`, arch, `${str(p.MemorySize ?? 128)} MB`, `timeout ${str(p.Timeout ?? 3)}s`,
      `VPC ${p.VpcConfig ? 'yes' : 'no'}`, `env vars (names only): ${env.length ? env.join(' ') : 'none'}`);
  }
  for (const [id, p] of ofType('AWS::ApiGateway::RestApi')) {
    const auth = new Map<string, number>();
    for (const [, m] of ofType('AWS::ApiGateway::Method').filter(([, x]) => refId(x.RestApiId) === id)) {
      const a = str(m.AuthorizationType ?? 'NONE');
      auth.set(a, (auth.get(a) ?? 0) + 1);
    }
    facts.push(`REST API ${id} "${str(p.Name)}": methods by auth ${[...auth].map(([a, n]) => `${a} ${n}`).join(', ') || 'none'}`);
    for (const [, s] of ofType('AWS::ApiGateway::Stage').filter(([, x]) => refId(x.RestApiId) === id)) {
      const thr = (Array.isArray(s.MethodSettings) ? s.MethodSettings : [])
        .filter((m: Props) => m.ThrottlingRateLimit !== undefined || m.ThrottlingBurstLimit !== undefined)
        .map((m: Props) => `${m.HttpMethod === '*' && m.ResourcePath === '/*' ? '' : `${str(m.HttpMethod)} ${str(m.ResourcePath)} `}` +
          `rate ${flag(m.ThrottlingRateLimit)} burst ${flag(m.ThrottlingBurstLimit)}`);
      facts.push(`  stage ${str(s.StageName)}: throttling ${thr.length ? thr.join('; ') : 'account default'}, access logging ${s.AccessLogSetting?.DestinationArn ? 'on' : 'off'}`);
    }
  }
  for (const [id, p] of ofType('AWS::ApiGatewayV2::Api')) {
    facts.push(`${str(p.ProtocolType)} API ${id} "${str(p.Name)}"`);
    for (const [, s] of ofType('AWS::ApiGatewayV2::Stage').filter(([, x]) => refId(x.ApiId) === id)) {
      const d = s.DefaultRouteSettings ?? {};
      const thr = d.ThrottlingRateLimit !== undefined || d.ThrottlingBurstLimit !== undefined
        ? `rate ${flag(d.ThrottlingRateLimit)} burst ${flag(d.ThrottlingBurstLimit)}` : 'account default';
      facts.push(`  stage ${str(s.StageName)}: throttling ${thr}, access logging ${s.AccessLogSettings?.DestinationArn ? 'on' : 'off'}`);
    }
  }
  const launchTemplates = ofType('AWS::EC2::LaunchTemplate');
  for (const [id, p] of ofType('AWS::EC2::Instance')) {
    const ltRef = p.LaunchTemplate ?? {};
    const lt = launchTemplates.find(([ltId, lp]) => refId(ltRef.LaunchTemplateId) === ltId || refId(ltRef.Version) === ltId ||
      (ltRef.LaunchTemplateName !== undefined && ltRef.LaunchTemplateName === lp.LaunchTemplateName));
    const tokens = p.MetadataOptions?.HttpTokens ?? lt?.[1].LaunchTemplateData?.MetadataOptions?.HttpTokens;
    const imds = tokens === 'required' ? `yes${lt ? ` (launch template ${lt[0]})` : ''}` : `no (HttpTokens ${flag(tokens)})`;
    const nic = (Array.isArray(p.NetworkInterfaces) ? p.NetworkInterfaces : []).find((n: Props) => n.AssociatePublicIpAddress !== undefined);
    const subnetId = refId(p.SubnetId);
    const subnet = subnetId !== undefined && isType(subnetId, 'AWS::EC2::Subnet') ? res[subnetId] : undefined;
    const publicIp = nic ? str(nic.AssociatePublicIpAddress)
      : subnet ? `${subnet.Properties?.MapPublicIpOnLaunch === true ? 'yes' : 'no'} (${str(tag(subnet, 'aws-cdk:subnet-type') ?? 'untagged')} subnet ${subnetId})`
        : 'unknown';
    fact(`EC2 instance ${id} (${str(p.InstanceType ?? 'm1.small')}): IMDSv2 required: ${imds}`, `public IP: ${publicIp}`);
  }
  if (facts.length) out.push('Key facts', ...facts.map(f => '  ' + f));
  out.push(...costSection(stack));
  return out;
}

/** The monthly cost estimate (`secure-lambda-postgres cost` prints the same), or why there is none. */
function costSection(stack: StackTemplate): string[] {
  try {
    return formatEstimate(estimateCost(stack));
  } catch (e) {
    if (!(e instanceof PricingError)) throw e;
    return [`Monthly cost estimate: not estimated: ${e.message}`];
  }
}

function main(argv: string[]): number {
  if (argv.length !== 1 || argv[0].startsWith('-')) {
    console.error('usage: ts-node --project tsconfig.dev.json scripts/summarize-assembly.ts <cdk.out directory>');
    return 2;
  }
  try {
    console.log(summarizeAssembly(argv[0]));
    return 0;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`summarize-assembly: ${e.message}`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
