import { CfnResource, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { Egress, EgressMode } from './egress';
import { DEFAULTS } from './private/defaults';
import { invalid } from './private/errors';
import { acknowledge, ignoreCfnLint, inPacks, INLINE_GRANTS, skipCheckov } from './private/nag';
import { hardenNatInstances, natInstanceProvider, resolveEgress } from './private/nat';
import { keepExceptOnFailedCreate } from './private/removal';
import { checkEnum, isWholeNumberIn } from './private/validate';

/** Subnet group names of a VPC created by `SecureNetwork`. */
export enum SubnetTier {
  /** Public subnets: NAT gateways only. */
  PUBLIC = 'Public',
  /** Private subnets for the function and the proxy (with NAT egress when NAT gateways exist). */
  APPLICATION = 'Application',
  /** Isolated subnets for the database: no route to or from the internet. */
  DATABASE = 'Database',
}

/** Settings of the network, shared by `SecureNetwork` and `SecureLambdaPostgres`. */
export interface SecureNetworkOptions {
  /**
   * An existing VPC to use instead of creating one. It must have subnets matching
   * `applicationSubnets` and `databaseSubnets` in at least two availability zones.
   *
   * @default - a new VPC with public, private-with-egress and isolated subnets
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Where the function and the proxy run.
   *
   * @default - the `Application` subnet group of a new VPC; the private subnets with egress of an
   * existing VPC
   */
  readonly applicationSubnets?: ec2.SubnetSelection;

  /**
   * Where the database runs. Must not be public.
   *
   * @default - the `Database` subnet group of a new VPC; the isolated subnets of an existing VPC
   */
  readonly databaseSubnets?: ec2.SubnetSelection;

  /**
   * Number of availability zones of a new VPC (not with `vpc`). RDS subnet groups need two.
   *
   * @default 2
   */
  readonly maxAzs?: number;

  /**
   * How the application subnets of a new VPC reach the internet (not with `vpc`):
   * `Egress.natGateways(n)`, `Egress.natInstances()` or `Egress.none()`.
   *
   * @default Egress.natGateways(1)
   */
  readonly egress?: Egress;

  /**
   * Number of NAT gateways of a new VPC (not with `vpc` or `egress`): short for
   * `egress: Egress.natGateways(n)`, and 0 for `Egress.none()`. With no egress the application
   * subnets are isolated too: AWS services are reached through VPC endpoints, and Clerk tokens
   * must be verified networklessly.
   *
   * @default 1
   */
  readonly natGateways?: number;

  /**
   * IPv4 CIDR of a new VPC (not with `vpc`).
   *
   * @default '10.0.0.0/16'
   */
  readonly cidr?: string;

  /**
   * Retention of the VPC flow log of a new VPC (not with `vpc`).
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;
}

/** Properties of `SecureNetwork`. */
export interface SecureNetworkProps extends SecureNetworkOptions {
  /**
   * Key that encrypts the flow log group. The key policy must let CloudWatch Logs use it.
   *
   * @default - the flow log group is encrypted with a CloudWatch Logs-owned key
   */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * The network tier: a VPC with public (NAT), private (application) and isolated (database)
 * subnets, flow logs on and the default security group closed — or an existing VPC, validated.
 */
export class SecureNetwork extends Construct {
  /** The VPC. */
  public readonly vpc: ec2.IVpc;
  /** Subnets for the function and the proxy. */
  public readonly applicationSubnets: ec2.SubnetSelection;
  /** Subnets for the database. */
  public readonly databaseSubnets: ec2.SubnetSelection;
  /** Whether the application subnets route to the internet through NAT. */
  public readonly hasInternetEgress: boolean;
  /** The flow log, when this construct created the VPC. */
  public readonly flowLog?: ec2.FlowLog;
  /** The egress of the VPC, when this construct created it. */
  public readonly egress?: Egress;
  /** The NAT instances, with `Egress.natInstances()`. */
  public readonly natInstances: ec2.Instance[] = [];

  constructor(scope: Construct, id: string, props: SecureNetworkProps = {}) {
    super(scope, id);
    checkEnum(this, 'flowLogRetention', props.flowLogRetention, 'RetentionDays', logs.RetentionDays);

    if (props.vpc) {
      for (const prop of ['maxAzs', 'egress', 'natGateways', 'cidr', 'flowLogRetention'] as const) {
        if (props[prop] !== undefined) {
          throw invalid(this, `'${prop}' configures a new VPC and cannot be combined with 'vpc'; configure the existing VPC itself, or drop 'vpc'.`);
        }
      }
      this.vpc = props.vpc;
      this.applicationSubnets = props.applicationSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
      this.databaseSubnets = props.databaseSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
      const application = this.validateSubnets('applicationSubnets', this.applicationSubnets);
      const database = this.validateSubnets('databaseSubnets', this.databaseSubnets);
      if (database.subnets.some(s => !this.vpc.isolatedSubnets.includes(s))) {
        throw invalid(this, "'databaseSubnets' must select only isolated subnets (no route to or from the internet). Add isolated subnets to the VPC, or let the construct create the VPC.");
      }
      this.hasInternetEgress = application.subnets.some(s => this.vpc.privateSubnets.includes(s));
      return;
    }

    const maxAzs = props.maxAzs ?? DEFAULTS.maxAzs;
    if (!isWholeNumberIn(maxAzs, 2)) {
      throw invalid(this, `maxAzs must be a whole number of at least 2 (RDS subnet groups span two availability zones), got ${maxAzs}.`);
    }
    this.egress = resolveEgress(this, props, maxAzs);
    this.hasInternetEgress = this.egress.mode !== EgressMode.NONE;
    const natProvider = natInstanceProvider(this.egress);

    const subnetConfiguration: ec2.SubnetConfiguration[] = [];
    if (this.hasInternetEgress) {
      // NAT gateways carry Elastic IPs; instances launched here never get a public address.
      subnetConfiguration.push({ name: SubnetTier.PUBLIC, subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false });
    }
    subnetConfiguration.push(
      {
        name: SubnetTier.APPLICATION,
        subnetType: this.hasInternetEgress ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED,
        cidrMask: 22,
      },
      { name: SubnetTier.DATABASE, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
    );

    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr ?? DEFAULTS.cidr),
      maxAzs,
      natGateways: this.egress.count,
      natGatewayProvider: natProvider,
      subnetConfiguration,
      restrictDefaultSecurityGroup: true,
    });
    this.vpc = vpc;
    this.applicationSubnets = props.applicationSubnets ?? { subnetGroupName: SubnetTier.APPLICATION };
    this.databaseSubnets = props.databaseSubnets ?? { subnetGroupName: SubnetTier.DATABASE };
    if (natProvider) {
      this.natInstances = hardenNatInstances(natProvider, vpc.selectSubnets({ subnetGroupName: SubnetTier.APPLICATION }).subnets);
    }

    for (const subnet of [...vpc.publicSubnets, ...vpc.privateSubnets, ...vpc.isolatedSubnets]) {
      // CDK writes the availability zones it resolved for the stack's account and region.
      ignoreCfnLint(subnet.node.findChild('Subnet'), ['W3010']);
    }
    const restrictDefaultSg = Stack.of(this).node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider')?.node.tryFindChild('Handler');
    if (restrictDefaultSg && !(restrictDefaultSg as CfnResource).getMetadata('checkov')) {
      const reason = "CDK's deploy-time handler that strips the VPC's default security group; it calls only the EC2 API, runs once per deployment and reports failure to CloudFormation.";
      skipCheckov(restrictDefaultSg, ['CKV_AWS_115', 'CKV_AWS_116', 'CKV_AWS_117'].map(check => ({ id: check, comment: reason })));
      ignoreCfnLint(restrictDefaultSg, ['W3005']);
    }
    for (const subnet of vpc.publicSubnets) {
      const route = subnet.node.tryFindChild('DefaultRoute');
      if (route) {
        acknowledge(route, inPacks('VPCNoUnrestrictedRouteToIGW',
          'The public subnets hold only the NAT gateways or NAT instances, which need this default route to the internet gateway; nothing else runs there and nothing else gets a public IP.'));
      }
    }

    const flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', {
      retention: props.flowLogRetention ?? DEFAULTS.flowLogRetention,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: keepExceptOnFailedCreate(),
    });
    this.flowLog = vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    const flowLogPolicy = this.flowLog.node.tryFindChild('IAMRole')?.node.tryFindChild('DefaultPolicy');
    if (flowLogPolicy) acknowledge(flowLogPolicy, inPacks('IAMNoInlinePolicy', INLINE_GRANTS));
  }

  private validateSubnets(prop: string, selection: ec2.SubnetSelection): ec2.SelectedSubnets {
    let selected: ec2.SelectedSubnets;
    try {
      selected = this.vpc.selectSubnets(selection);
    } catch (e) {
      throw invalid(this, `The VPC has no subnets for '${prop}' (${(e as Error).message}). Pass a '${prop}' selection that matches subnets of the VPC, or let the construct create the VPC.`);
    }
    if (selected.subnets.length === 0) {
      throw invalid(this, `The VPC has no subnets for '${prop}'. Pass a '${prop}' selection that matches subnets of the VPC, or let the construct create the VPC.`);
    }
    const azs = new Set(selected.subnets.map(s => s.availabilityZone));
    if (azs.size < 2) {
      throw invalid(this, `'${prop}' selects subnets in ${azs.size} availability zone; the database and the proxy need subnets in at least two.`);
    }
    if (selected.subnets.some(s => this.vpc.publicSubnets.includes(s))) {
      throw invalid(this, `'${prop}' selects public subnets; the function, proxy and database must never be placed in public subnets.`);
    }
    return selected;
  }
}
