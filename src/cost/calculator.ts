import { CfnResource, Props, regionOf, StackTemplate } from './assembly';
import { DETAILED_METRICS_PER_INSTANCE, HOURS_PER_MONTH, PRICE_TABLE, RegionPrices } from './prices';
import { instanceClassSpec } from '../rds-limits/instance-classes';

/** One priced item of a stack. */
export interface CostLine {
  readonly item: string;
  readonly resource: string;
  readonly monthly: number;
  /** How the amount comes about, e.g. `730 h × $0.045`. */
  readonly basis: string;
}

export interface CostEstimate {
  readonly stack: string;
  readonly region: string;
  readonly lines: CostLine[];
  /** Resources that cost money but have no price in the table. */
  readonly unpriced: string[];
  readonly assumptions: string[];
  readonly total: number;
}

export interface CostOptions {
  /** Price the stack in this region instead of its own. */
  readonly region?: string;
  /** Logs ingested per month across the stack's log groups, in GB. */
  readonly logGbPerMonth?: number;
}

/** A stack that cannot be priced (no region, or a region outside the table). */
export class PricingError extends Error {}

export const DEFAULT_LOG_GB = 1;
const DEFAULT_ROOT_VOLUME = { size: 8, type: 'gp3' };

const usd = (n: number, digits = 2) => `$${n.toFixed(digits)}`;
const perHour = (price: number, count = 1) => `${count > 1 ? `${count} × ` : ''}${HOURS_PER_MONTH} h × ${usd(price, 4).replace(/0+$/, '')}`;

/** The monthly on-demand cost of a synthesized stack, per resource. */
export function estimateCost(stack: StackTemplate, options: CostOptions = {}): CostEstimate {
  const region = options.region ?? regionOf(stack);
  const regions = Object.keys(PRICE_TABLE.regions);
  if (!region) {
    throw new PricingError(`stack ${stack.name} has no region (environment-agnostic): pass --region, one of ${regions.join(', ')}`);
  }
  const prices = PRICE_TABLE.regions[region];
  if (!prices) {
    throw new PricingError(`no prices for region ${region}: the table (src/cost/prices.ts, ${PRICE_TABLE.retrieved}) covers ${regions.join(', ')}; pass --region to estimate with those`);
  }
  const resources = Object.entries(stack.template.Resources ?? {});
  const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
  const where = (id: string, r: CfnResource) => String(r.Metadata?.['aws:cdk:path'] ?? id).replace(`${stack.name}/`, '').replace(/\/Resource$/, '');
  const lines: CostLine[] = [];
  const unpriced: string[] = [];
  const hourly = (item: string, resource: string, price: number, count = 1) =>
    lines.push({ item, resource, monthly: price * HOURS_PER_MONTH * count, basis: perHour(price, count) });

  for (const [id, r] of ofType('AWS::EC2::NatGateway')) hourly('NAT gateway', where(id, r), prices.natGatewayHour);
  for (const [id, r] of ofType('AWS::EC2::EIP')) hourly('Public IPv4 (Elastic IP)', where(id, r), prices.publicIpv4Hour);
  for (const [id, r] of ofType('AWS::EC2::Instance')) priceInstance(where(id, r), r.Properties ?? {}, prices, lines, unpriced);
  for (const [id, r] of ofType('AWS::EC2::VPCEndpoint')) {
    if (r.Properties?.VpcEndpointType !== 'Interface') continue;
    const zones = Array.isArray(r.Properties.SubnetIds) ? r.Properties.SubnetIds.length : 1;
    hourly(`Interface endpoint × ${zones} AZ`, where(id, r), prices.interfaceEndpointAzHour, zones);
  }
  for (const [id, r] of ofType('AWS::RDS::DBInstance')) priceDatabase(where(id, r), r.Properties ?? {}, prices, lines, unpriced);
  for (const [id, r] of ofType('AWS::RDS::DBProxy')) {
    const vcpus = proxyTargetVcpus(id, stack);
    if (vcpus === undefined) {
      unpriced.push(`RDS Proxy ${where(id, r)}: the vCPUs of its target are not known`);
      continue;
    }
    const billed = Math.max(vcpus, prices.rdsProxyMinVcpus);
    lines.push({ item: `RDS Proxy (${billed} vCPU)`, resource: where(id, r), monthly: billed * prices.rdsProxyVcpuHour * HOURS_PER_MONTH, basis: `${perHour(prices.rdsProxyVcpuHour, billed)} per vCPU (minimum ${prices.rdsProxyMinVcpus})` });
  }
  const count = (type: string, item: string, price: number, unit: string) => {
    const n = ofType(type).length;
    if (n > 0) lines.push({ item: `${item} × ${n}`, resource: '', monthly: n * price, basis: `${n} × ${usd(price)}/${unit}` });
  };
  count('AWS::KMS::Key', 'KMS keys', prices.kmsKeyMonth, 'key-month');
  count('AWS::SecretsManager::Secret', 'Secrets', prices.secretMonth, 'secret-month');
  const alarmMetrics = ofType('AWS::CloudWatch::Alarm').reduce((sum, [, r]) => sum + alarmMetricCount(r.Properties ?? {}), 0);
  if (alarmMetrics > 0) {
    const alarms = ofType('AWS::CloudWatch::Alarm').length;
    lines.push({ item: `CloudWatch alarms × ${alarms}`, resource: '', monthly: alarmMetrics * prices.alarmMetricMonth, basis: `${alarmMetrics} alarm metrics × ${usd(prices.alarmMetricMonth)}` });
  }
  count('AWS::CloudWatch::Dashboard', 'CloudWatch dashboards', prices.dashboardMonth, 'dashboard-month');
  const logGroups = ofType('AWS::Logs::LogGroup').length;
  const logGb = options.logGbPerMonth ?? DEFAULT_LOG_GB;
  if (logGroups > 0) {
    lines.push({ item: 'Log ingestion (assumed)', resource: `${logGroups} log groups`, monthly: logGb * prices.logIngestionGb, basis: `${logGb} GB × ${usd(prices.logIngestionGb)}/GB` });
  }

  const assumptions = [
    `${logGb} GB of logs ingested per month (--log-gb); storage of kept logs ($0.03/GB-month compressed) not included`,
    'RDS backups (automated and AWS Backup) stay within the free allowance equal to the provisioned storage; beyond it '
      + `${usd(prices.rdsBackupGbMonth, 3)}/GB-month`,
    'RDS Proxy is billed on the primary instance\'s vCPUs (a Multi-AZ standby is not a proxy target)',
    'KMS keys before their first automatic rotation; each rotation adds $1/month, for at most two rotations',
    'free tiers (3 dashboards, 10 alarm metrics, 5 GB of logs per account) are not deducted',
    'billed by use, priced by `cost --requests-per-month N`: API Gateway, Lambda, X-Ray, request logs, data transfer out, NAT and endpoint data processing; '
      + 'not included: API calls to KMS and Secrets Manager, CPU credit surplus',
  ];
  const total = lines.reduce((sum, l) => sum + l.monthly, 0);
  return { stack: stack.name, region, lines, unpriced, assumptions, total };
}

function priceInstance(resource: string, p: Props, prices: RegionPrices, lines: CostLine[], unpriced: string[]): void {
  const type = String(p.InstanceType ?? 'm1.small');
  const hour = prices.ec2Hour[type];
  if (hour === undefined) unpriced.push(`EC2 ${type} ${resource}: no price for ${type} in the table`);
  else lines.push({ item: `EC2 ${type}`, resource, monthly: hour * HOURS_PER_MONTH, basis: perHour(hour) });
  const nics: Props[] = Array.isArray(p.NetworkInterfaces) ? p.NetworkInterfaces : [];
  if (nics.some(n => n.AssociatePublicIpAddress === true)) {
    lines.push({ item: 'Public IPv4 (instance)', resource, monthly: prices.publicIpv4Hour * HOURS_PER_MONTH, basis: perHour(prices.publicIpv4Hour) });
  }
  const mappings: Props[] = Array.isArray(p.BlockDeviceMappings) ? p.BlockDeviceMappings.filter((m: Props) => m.Ebs) : [];
  const volumes = mappings.length
    ? mappings.map(m => ({ size: Number(m.Ebs.VolumeSize ?? DEFAULT_ROOT_VOLUME.size), type: String(m.Ebs.VolumeType ?? 'gp2') }))
    : [DEFAULT_ROOT_VOLUME];
  for (const volume of volumes) {
    const gb = prices.ebsGbMonth[volume.type];
    if (gb === undefined) unpriced.push(`EBS ${volume.type} volume of ${resource}: no price for ${volume.type}`);
    else lines.push({ item: `EBS ${volume.type} ${volume.size} GB${mappings.length ? '' : ' (assumed root volume)'}`, resource, monthly: volume.size * gb, basis: `${volume.size} GB × ${usd(gb)}` });
  }
  if (p.Monitoring === true) {
    lines.push({ item: 'Detailed monitoring', resource, monthly: DETAILED_METRICS_PER_INSTANCE * prices.detailedMetricMonth, basis: `${DETAILED_METRICS_PER_INSTANCE} metrics × ${usd(prices.detailedMetricMonth)}` });
  }
}

function priceDatabase(resource: string, p: Props, prices: RegionPrices, lines: CostLine[], unpriced: string[]): void {
  const instanceClass = String(p.DBInstanceClass);
  const copies = p.MultiAZ === true || p.MultiAZ === 'true' ? 2 : 1;
  const az = copies === 2 ? 'Multi-AZ' : 'Single-AZ';
  const hour = prices.rdsPostgresHour[instanceClass];
  if (hour === undefined) unpriced.push(`RDS ${instanceClass} ${resource}: no price for ${instanceClass} in the table`);
  else lines.push({ item: `RDS ${instanceClass} ${az}`, resource, monthly: hour * copies * HOURS_PER_MONTH, basis: perHour(hour, copies) });
  const storageType = String(p.StorageType ?? 'gp2');
  const gb = Number(p.AllocatedStorage);
  const price = prices.rdsStorageGbMonth[storageType];
  if (price === undefined || !Number.isFinite(gb)) unpriced.push(`RDS storage of ${resource}: ${storageType} ${p.AllocatedStorage} GB not priced`);
  else lines.push({ item: `RDS storage ${storageType} ${gb} GB ${az}`, resource, monthly: gb * price * copies, basis: `${copies > 1 ? `${copies} × ` : ''}${gb} GB × ${usd(price, 3)}` });
}

/** vCPUs of the instance a proxy's target group points at. */
function proxyTargetVcpus(proxyId: string, stack: StackTemplate): number | undefined {
  const resources = stack.template.Resources ?? {};
  const group = Object.values(resources).find(r => r.Type === 'AWS::RDS::DBProxyTargetGroup' && r.Properties?.DBProxyName?.Ref === proxyId);
  const target = group?.Properties?.DBInstanceIdentifiers?.[0]?.Ref;
  const instanceClass = target ? resources[target]?.Properties?.DBInstanceClass : undefined;
  return typeof instanceClass === 'string' ? instanceClassSpec(instanceClass)?.vcpus : undefined;
}

/** Metrics an alarm is billed for: one, or each metric of its metric-math expression. */
function alarmMetricCount(p: Props): number {
  if (p.MetricName) return 1;
  return Array.isArray(p.Metrics) ? p.Metrics.filter((m: Props) => m.MetricStat).length : 0;
}

/** The estimate as text lines for a terminal. */
export function formatEstimate(estimate: CostEstimate): string[] {
  const amounts = estimate.lines.map(l => usd(l.monthly));
  const width = Math.max(...amounts.map(a => a.length), usd(estimate.total).length);
  return [
    `Monthly cost estimate (USD, ${estimate.region}, on-demand, ${HOURS_PER_MONTH} h/month; prices of ${PRICE_TABLE.retrieved}, src/cost/prices.ts)`,
    ...estimate.lines.map((l, i) => `  ${amounts[i].padStart(width)}  ${l.item}${l.resource ? ` ${l.resource}` : ''}: ${l.basis}`),
    `  ${usd(estimate.total).padStart(width)}  Total${estimate.unpriced.length ? ' of the priced resources' : ''}`,
    ...estimate.unpriced.map(u => `  not priced: ${u}`),
    ...estimate.assumptions.map(a => `  assumed: ${a}`),
  ];
}
