import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { DEFAULTS } from './defaults';
import { invalid } from './errors';
import { launchWithImdsv2Template } from './imdsv2';
import { acknowledge, ignoreCfnLint, inPacks, managedPolicy, skipCheckov } from './nag';
import { natUserData } from './nat-user-data';
import { isWholeNumberIn } from './validate';
import { Egress, EgressMode } from '../egress';

/** The egress of a new VPC from `egress` or the older `natGateways` prop. */
export function resolveEgress(scope: IConstruct, props: { readonly egress?: Egress; readonly natGateways?: number }, maxAzs: number): Egress {
  if (props.egress && props.natGateways !== undefined) {
    throw invalid(scope, "Pass either 'egress' or 'natGateways', not both: 'natGateways: n' is short for 'egress: Egress.natGateways(n)' (and 0 for 'Egress.none()').");
  }
  if (!isWholeNumberIn(props.natGateways, 0)) {
    throw invalid(scope, `natGateways must be a whole number of 0 or more, got ${props.natGateways}.`);
  }
  const egress = props.egress
    ?? (props.natGateways === 0 ? Egress.none() : Egress.natGateways(props.natGateways ?? DEFAULTS.natGateways));
  if (egress.mode === EgressMode.NONE) return egress;
  const gateways = egress.mode === EgressMode.NAT_GATEWAYS;
  const label = props.egress ? `Egress.${gateways ? 'natGateways' : 'natInstances'}` : 'natGateways';
  if (!isWholeNumberIn(egress.count, 1)) {
    throw invalid(scope, `${label} needs a whole number of at least 1 (Egress.none() means no egress), got ${egress.count}.`);
  }
  if (!Token.isUnresolved(egress.count) && !Token.isUnresolved(maxAzs) && egress.count > maxAzs) {
    throw invalid(scope, `${label} (${egress.count}) cannot exceed maxAzs (${maxAzs}): at most one NAT ${gateways ? 'gateway' : 'instance'} per availability zone.`);
  }
  return egress;
}

/** The NAT provider for the VPC, or undefined for managed gateways and no egress. */
export function natInstanceProvider(egress: Egress): ec2.NatInstanceProviderV2 | undefined {
  if (egress.mode !== EgressMode.NAT_INSTANCES) return undefined;
  const instanceType = egress.instanceType!;
  return ec2.NatProvider.instanceV2({
    instanceType,
    // The public subnets never assign public IPs on launch; a NAT instance needs one.
    associatePublicIpAddress: true,
    // Rules are added below: HTTPS in from the application subnets, HTTPS out.
    defaultAllowedTraffic: ec2.NatTrafficDirection.NONE,
    // Standard credits make the price fixed: no surplus charges when traffic bursts.
    creditSpecification: instanceType.isBurstable() ? ec2.CpuCredits.STANDARD : undefined,
    // CDK's setup, with its package install and iptables steps retried and a loud failure.
    userData: natUserData(),
  });
}

const PUBLIC_IP_REASON = 'A NAT instance translates the private subnets\' traffic to its own public address; without one it cannot forward to the internet. Its security group admits only HTTPS from the application subnets.';
const MONITORING_REASON = 'Basic (5-minute) metrics: the instance only forwards packets, and 1-minute detailed monitoring would add about $2.10/month, two thirds of a t4g.nano; its status checks (1-minute, free) are alarmed.';

/**
 * Hardens the instances `NatProvider.instanceV2` created: IMDSv2, encrypted root volume, Session
 * Manager access, least-privilege security group rules, and the acknowledgements a NAT instance
 * needs by design.
 */
export function hardenNatInstances(provider: ec2.NatInstanceProviderV2, applicationSubnets: ec2.ISubnet[]): ec2.Instance[] {
  for (const subnet of applicationSubnets) {
    provider.connections.allowFrom(ec2.Peer.ipv4(subnet.ipv4CidrBlock), ec2.Port.tcp(443), 'HTTPS from the application subnets');
  }
  provider.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to the internet');
  for (const instance of provider.gatewayInstances) {
    const cfn = instance.instance;
    cfn.metadataOptions = { httpTokens: 'required', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1 };
    launchWithImdsv2Template(instance, cfn, 'nat');
    cfn.blockDeviceMappings = [{ deviceName: '/dev/xvda', ebs: { encrypted: true, volumeType: 'gp3', volumeSize: 8, deleteOnTermination: true } }];
    instance.role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'));
    // CDK writes the availability zone of the subnet it picked.
    ignoreCfnLint(instance, ['W3010']);
    acknowledge(instance, [
      { id: 'AwsSolutions-EC29', reason: 'A NAT instance is stateless and replaceable; termination protection would only block deleting the stack.' },
      { id: 'AwsSolutions-EC28', reason: MONITORING_REASON },
      ...inPacks('EC2InstanceDetailedMonitoringEnabled', MONITORING_REASON, ['HIPAA.Security', 'NIST.800.53.R5']),
      ...inPacks('EC2InstanceNoPublicIp', PUBLIC_IP_REASON),
      ...inPacks('EC2InstancesInVPC', 'The instance is in a public subnet of this VPC, named in its network interface (NetworkInterfaces[0].SubnetId) because it asks for a public address; the rule reads only the top-level SubnetId.'),
    ]);
    skipCheckov(instance, [{ id: 'CKV_AWS_88', comment: PUBLIC_IP_REASON }]);
    acknowledge(instance.role.node.defaultChild!, [{
      id: 'AwsSolutions-IAM4',
      appliesTo: [managedPolicy('AmazonSSMManagedInstanceCore')],
      reason: 'The AWS managed policy Session Manager requires on managed instances; SSM is the only way into the NAT instance (no SSH key).',
    }]);
  }
  return provider.gatewayInstances;
}
