/**
 * On-demand list prices the cost estimate uses, in USD, with where each was read and when.
 * AWS publishes them on its pricing pages; the search tools this table was built with reach those
 * pages partly, so each figure names the page it comes from and, where the official page was not
 * readable, the public page that quotes it. A figure marked `unconfirmed` was not found in any
 * page read for this table: it is the price the official page lists as far as we know, and the
 * estimate says so. Update `retrieved` with every change.
 */
export interface PriceSource {
  readonly official: string;
  /** A public page the figure was read from, when the official page could not be. */
  readonly readVia?: string;
  readonly unconfirmed?: boolean;
}

export interface RegionPrices {
  /** Per NAT gateway-hour. */
  readonly natGatewayHour: number;
  /** Per public IPv4 address-hour (Elastic IP or auto-assigned). */
  readonly publicIpv4Hour: number;
  /** Per interface endpoint per availability zone-hour. */
  readonly interfaceEndpointAzHour: number;
  /** RDS for PostgreSQL, Single-AZ, per instance-hour; Multi-AZ (one standby) is twice this. */
  readonly rdsPostgresHour: { readonly [instanceClass: string]: number };
  /** RDS storage per GB-month, Single-AZ; Multi-AZ stores it twice. */
  readonly rdsStorageGbMonth: { readonly [storageType: string]: number };
  /** RDS backup storage beyond the free allowance (equal to the provisioned storage). */
  readonly rdsBackupGbMonth: number;
  /** RDS Proxy per vCPU-hour of the instance behind it. */
  readonly rdsProxyVcpuHour: number;
  /** RDS Proxy bills at least this many vCPUs per instance. */
  readonly rdsProxyMinVcpus: number;
  /** EC2 Linux on-demand per instance-hour. */
  readonly ec2Hour: { readonly [instanceType: string]: number };
  /** EBS per GB-month. */
  readonly ebsGbMonth: { readonly [volumeType: string]: number };
  /** Per customer managed KMS key-month (before its first automatic rotation). */
  readonly kmsKeyMonth: number;
  /** Per Secrets Manager secret-month. */
  readonly secretMonth: number;
  /** Per standard-resolution alarm metric-month (a metric-math alarm counts each metric). */
  readonly alarmMetricMonth: number;
  /** Per custom dashboard-month. */
  readonly dashboardMonth: number;
  /** Per GB of logs ingested (standard class). */
  readonly logIngestionGb: number;
  /** Per detailed-monitoring (1-minute) metric-month; an EC2 instance sends 7. */
  readonly detailedMetricMonth: number;
  /** API Gateway REST API requests per million, in monthly volume tiers. */
  readonly apiRestRequestMillion: readonly Tier[];
  /** Lambda requests per million. */
  readonly lambdaRequestMillion: number;
  /** Lambda duration per GB-second by architecture, the first tier (7.5 billion arm64 GB-s a month). */
  readonly lambdaGbSecond: { readonly [architecture: string]: number };
  /** NAT gateway data processing per GB, either direction. */
  readonly natGatewayGb: number;
  /** Interface endpoint data processing per GB (the first petabyte a month). */
  readonly interfaceEndpointGb: number;
  /** X-Ray traces recorded per million. */
  readonly xrayTraceMillion: number;
  /** Data transfer out to the internet per GB (API Gateway bills at EC2 rates; the first 10 TB a month). */
  readonly dataTransferOutGb: number;
}

/** A volume tier: this price per unit up to `upTo` units a month (cumulative). */
export interface Tier {
  readonly upTo: number;
  readonly price: number;
}

export const HOURS_PER_MONTH = 730;
export const DETAILED_METRICS_PER_INSTANCE = 7;

export const PRICE_TABLE = {
  currency: 'USD',
  retrieved: '2026-12-02',
  sources: {
    natGatewayHour: { official: 'https://aws.amazon.com/vpc/pricing/', readVia: 'https://basavytix.com/blog/aws-nat-gateway-pricing' },
    publicIpv4Hour: { official: 'https://aws.amazon.com/vpc/pricing/', readVia: 'https://aws.amazon.com/blogs/networking-and-content-delivery/identify-and-optimize-public-ipv4-address-usage-on-aws/' },
    interfaceEndpointAzHour: { official: 'https://aws.amazon.com/privatelink/pricing/', readVia: 'https://cloudcostkit.com/guides/aws-privatelink-pricing', unconfirmed: true },
    rdsPostgresHour: { official: 'https://aws.amazon.com/rds/postgresql/pricing/', readVia: 'https://infratally.com/articles/aws-rds-pricing-explained-2026.html' },
    rdsStorageGbMonth: { official: 'https://aws.amazon.com/rds/postgresql/pricing/', readVia: 'https://www.usage.ai/blogs/aws/reserved-instances/rds/pricing-calculator/' },
    rdsBackupGbMonth: { official: 'https://aws.amazon.com/rds/postgresql/pricing/', readVia: 'https://www.usage.ai/blogs/aws/reserved-instances/rds/pricing-calculator/' },
    rdsProxyVcpuHour: { official: 'https://aws.amazon.com/rds/proxy/pricing/', readVia: 'https://github.com/aws-samples/sample-aws-database-cookbook' },
    rdsProxyMinVcpus: { official: 'https://aws.amazon.com/rds/proxy/pricing/', unconfirmed: true },
    ec2Hour: { official: 'https://aws.amazon.com/ec2/pricing/on-demand/', readVia: 'several public price tables agreeing on the t4g figures' },
    ebsGbMonth: { official: 'https://aws.amazon.com/ebs/pricing/', unconfirmed: true },
    kmsKeyMonth: { official: 'https://aws.amazon.com/kms/pricing/' },
    secretMonth: { official: 'https://aws.amazon.com/secrets-manager/pricing/', readVia: 'https://hivebook.wiki/wiki/aws-secrets-manager-rotated-secrets-dynamic-db-credentials-kms' },
    alarmMetricMonth: { official: 'https://aws.amazon.com/cloudwatch/pricing/', readVia: 'https://github.com/aws-samples/sample-aws-database-cookbook' },
    dashboardMonth: { official: 'https://aws.amazon.com/cloudwatch/pricing/', readVia: 'https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/' },
    logIngestionGb: { official: 'https://aws.amazon.com/cloudwatch/pricing/', readVia: 'https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/' },
    // Detailed monitoring is billed as custom metrics; the page read gives the custom-metric rate.
    detailedMetricMonth: { official: 'https://aws.amazon.com/cloudwatch/pricing/', readVia: 'https://signoz.io/guides/cloudwatch-pricing' },
    apiRestRequestMillion: { official: 'https://aws.amazon.com/api-gateway/pricing/', readVia: 'https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html' },
    lambdaRequestMillion: { official: 'https://aws.amazon.com/lambda/pricing/', readVia: 'https://cloudchipr.com/blog/aws-lambda-pricing' },
    lambdaGbSecond: { official: 'https://aws.amazon.com/lambda/pricing/', readVia: 'https://cloudchipr.com/blog/aws-lambda-pricing' },
    natGatewayGb: { official: 'https://aws.amazon.com/vpc/pricing/', readVia: 'https://basavytix.com/blog/aws-nat-gateway-pricing' },
    interfaceEndpointGb: { official: 'https://aws.amazon.com/privatelink/pricing/', readVia: 'https://cloudcostkit.com/guides/aws-privatelink-pricing', unconfirmed: true },
    xrayTraceMillion: { official: 'https://aws.amazon.com/xray/pricing/', readVia: 'https://aws.amazon.com/de/xray/pricing/' },
    dataTransferOutGb: { official: 'https://aws.amazon.com/ec2/pricing/on-demand/', readVia: 'https://awsforengineers.com/blog/aws-api-gateway-pricing-explained' },
  } as { readonly [item in keyof RegionPrices]: PriceSource },
  regions: {
    'us-east-1': {
      natGatewayHour: 0.045,
      publicIpv4Hour: 0.005,
      interfaceEndpointAzHour: 0.01,
      rdsPostgresHour: { 'db.t4g.micro': 0.016, 'db.t4g.small': 0.032, 'db.t4g.medium': 0.065 },
      rdsStorageGbMonth: { gp3: 0.115, gp2: 0.115 },
      rdsBackupGbMonth: 0.095,
      rdsProxyVcpuHour: 0.015,
      rdsProxyMinVcpus: 2,
      ec2Hour: { 't4g.nano': 0.0042, 't4g.micro': 0.0084, 't4g.small': 0.0168 },
      ebsGbMonth: { gp3: 0.08 },
      kmsKeyMonth: 1.0,
      secretMonth: 0.4,
      alarmMetricMonth: 0.1,
      dashboardMonth: 3.0,
      logIngestionGb: 0.5,
      detailedMetricMonth: 0.3,
      apiRestRequestMillion: [{ upTo: 333, price: 3.5 }, { upTo: 1000, price: 2.8 }, { upTo: 20000, price: 2.38 }, { upTo: Infinity, price: 1.51 }],
      lambdaRequestMillion: 0.2,
      lambdaGbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 },
      natGatewayGb: 0.045,
      interfaceEndpointGb: 0.01,
      xrayTraceMillion: 5.0,
      dataTransferOutGb: 0.09,
    },
  } as { readonly [region: string]: RegionPrices },
};
