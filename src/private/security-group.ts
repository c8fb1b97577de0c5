import { Lazy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

/** The rule CDK writes into a group that may send nothing: it matches no packet. */
const MATCH_NO_TRAFFIC = { cidrIp: '255.255.255.255/32', description: 'Disallow all traffic', ipProtocol: 'icmp', fromPort: 252, toPort: 86 };

/** What every security group of this library is made from. */
export interface ClosedSecurityGroupProps {
  readonly vpc: ec2.IVpc;
  readonly description: string;
}

/**
 * A security group that sends nothing but what its rules allow, under EC2's semantics.
 *
 * EC2 gives a group created without inline egress its default allow-all egress rule, and a
 * standalone `AWS::EC2::SecurityGroupEgress` only adds to it. CDK drops its "match no traffic"
 * placeholder from the inline list as soon as any egress rule is added, even one it then writes
 * as a standalone resource (every rule to another group, and every rule whose port is a token):
 * such a group ends up with no inline egress, so EC2 lets it send anything anywhere. The inline
 * list of these groups therefore always holds at least the placeholder.
 */
export function closedSecurityGroup(scope: Construct, id: string, props: ClosedSecurityGroupProps): ec2.SecurityGroup {
  const group = new ec2.SecurityGroup(scope, id, {
    vpc: props.vpc,
    description: props.description,
    allowAllOutbound: false,
    allowAllIpv6Outbound: false,
  });
  const resource = group.node.defaultChild as ec2.CfnSecurityGroup;
  const inlineEgress = resource.securityGroupEgress;
  resource.securityGroupEgress = Lazy.any({
    produce: () => {
      const rules = Stack.of(group).resolve(inlineEgress);
      return Array.isArray(rules) && rules.length > 0 ? rules : [MATCH_NO_TRAFFIC];
    },
  });
  return group;
}
