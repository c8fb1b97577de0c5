import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Egress, EgressMode, SecureLambdaPostgresProps } from '../src';
import { CLERK_PEM, existingVpc, groupIds, logicalId, securityGroupRules, subnetRefs, synth } from './util';

/** The default route (0.0.0.0/0) of each route table, as `table -> target`. */
function defaultRoutes(template: Template): string[] {
  return Object.values<any>(template.findResources('AWS::EC2::Route', { Properties: { DestinationCidrBlock: '0.0.0.0/0' } }))
    .map(r => {
      const target = r.Properties.NatGatewayId ?? r.Properties.InstanceId ?? r.Properties.GatewayId;
      return `${r.Properties.RouteTableId.Ref} -> ${target.Ref}`;
    }).sort();
}

const tableOf = (template: Template, subnet: { Ref: string }) =>
  Object.values<any>(template.findResources('AWS::EC2::SubnetRouteTableAssociation'))
    .find(a => a.Properties.SubnetId.Ref === subnet.Ref).Properties.RouteTableId.Ref;

describe('Egress.natGateways', () => {
  test('is the default: one NAT gateway with its Elastic IP, both application subnets route to it', () => {
    const { backend, template } = synth();
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourceCountIs('AWS::EC2::EIP', 1);
    const nat = Object.keys(template.findResources('AWS::EC2::NatGateway'))[0];
    const app = subnetRefs(template, 'Application').map(s => tableOf(template, s));
    expect(defaultRoutes(template).filter(r => app.some(t => r.startsWith(t)))).toEqual(app.map(t => `${t} -> ${nat}`).sort());
    expect(backend.network.egress?.mode).toBe(EgressMode.NAT_GATEWAYS);
  });

  test('two gateways: each application subnet routes to the gateway in its own zone', () => {
    const { template } = synth({ egress: Egress.natGateways(2) });
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    template.resourceCountIs('AWS::EC2::EIP', 2);
    const targets = subnetRefs(template, 'Application').map(s => {
      const table = tableOf(template, s);
      return defaultRoutes(template).find(r => r.startsWith(table))!.split(' -> ')[1];
    });
    expect(new Set(targets).size).toBe(2);
  });

  test('natGateways: n is kept as shorthand', () => {
    synth({ natGateways: 2 }).template.resourceCountIs('AWS::EC2::NatGateway', 2);
  });
});

describe('Egress.natInstances', () => {
  const { stack, backend, template } = synth({ egress: Egress.natInstances() });
  const nat = () => Object.values<any>(template.findResources('AWS::EC2::Instance'))[0];

  test('no NAT gateway and no Elastic IP: one Graviton instance from NatProvider.instanceV2', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::EIP', 0);
    template.resourceCountIs('AWS::EC2::Instance', 1);
    expect(backend.network.natInstances).toHaveLength(1);
    template.hasResourceProperties('AWS::EC2::Instance', {
      InstanceType: 't4g.nano',
      SourceDestCheck: false,
      ImageId: { Ref: Match.stringLikeRegexp('al2023amikernel.*arm64') },
      CreditSpecification: { CPUCredits: 'standard' },
    });
  });

  test('IMDSv2 required, encrypted gp3 root volume, no SSH key, Session Manager role', () => {
    const instance = nat();
    expect(instance.Properties.MetadataOptions).toEqual({ HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 });
    expect(instance.Properties.BlockDeviceMappings).toEqual([{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3', VolumeSize: 8, DeleteOnTermination: true } }]);
    expect(instance.Properties.KeyName).toBeUndefined();
    const role = template.findResources('AWS::IAM::Role')[stack.getLogicalId(backend.network.natInstances[0].role.node.defaultChild as iam.CfnRole)];
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain('AmazonSSMManagedInstanceCore');
  });

  test('sits in a public subnet with a public address', () => {
    const [nic] = nat().Properties.NetworkInterfaces;
    expect(nic.AssociatePublicIpAddress).toBe(true);
    expect(subnetRefs(template, 'Public')).toContainEqual(nic.SubnetId);
  });

  test('the application subnets route to the instance', () => {
    const instance = logicalId(stack, backend.network.natInstances[0]);
    const app = subnetRefs(template, 'Application').map(s => tableOf(template, s));
    expect(defaultRoutes(template).filter(r => app.some(t => r.startsWith(t)))).toEqual(app.map(t => `${t} -> ${instance}`).sort());
  });

  test('its security group admits HTTPS from the application subnets only and sends HTTPS only', () => {
    const natGroup = stack.getLogicalId(backend.network.natInstances[0].connections.securityGroups[0].node.defaultChild as any);
    const cidrs = Object.values<any>(template.findResources('AWS::EC2::Subnet'))
      .filter(s => s.Properties.Tags.some((t: any) => t.Value === 'Application')).map(s => s.Properties.CidrBlock);
    expect(securityGroupRules(template).filter(r => r.startsWith(natGroup)).sort()).toEqual([
      ...cidrs.map(c => `${natGroup} in ${c} tcp 443-443`),
      `${natGroup} out 0.0.0.0/0 tcp 443-443`,
    ].sort());
    const { F } = groupIds(stack, backend);
    expect(securityGroupRules(template)).toContain(`${F} out 0.0.0.0/0 tcp 443-443`);
  });

  test('one per zone on request; non-burstable types keep their own CPU model', () => {
    const two = synth({ egress: Egress.natInstances(new ec2.InstanceType('m7g.medium'), 2) }).template;
    two.resourceCountIs('AWS::EC2::Instance', 2);
    for (const i of Object.values<any>(two.findResources('AWS::EC2::Instance'))) {
      expect(i.Properties.InstanceType).toBe('m7g.medium');
      expect(i.Properties.CreditSpecification).toBeUndefined();
    }
  });
});

describe('Egress.none', () => {
  const props: SecureLambdaPostgresProps = { egress: Egress.none(), vpcEndpoints: true, clerkJwtKey: CLERK_PEM };

  test('no internet gateway, no NAT, no default route, isolated application subnets', () => {
    const { template } = synth(props);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Instance', 0);
    expect(defaultRoutes(template)).toEqual([]);
    const tiers = Object.values<any>(template.findResources('AWS::EC2::Subnet'))
      .map(s => s.Properties.Tags.find((t: any) => t.Key === 'aws-cdk:subnet-type').Value);
    expect(tiers).toEqual(['Isolated', 'Isolated', 'Isolated', 'Isolated']);
  });

  test('no security group may send anything to the internet', () => {
    const rules = securityGroupRules(synth(props).template);
    expect(rules.filter(r => / out (0\.0\.0\.0\/0|::\/0) /.test(r))).toEqual([]);
  });

  test('still needs VPC endpoints and networkless Clerk verification', () => {
    expect(() => synth({ egress: Egress.none() })).toThrow(/no route to the internet.*set vpcEndpoints: true/);
  });
});

describe('invalid egress fails at synth', () => {
  test.each<[string, SecureLambdaPostgresProps, RegExp]>([
    ['egress and natGateways together', { egress: Egress.natGateways(1), natGateways: 1 }, /Pass either 'egress' or 'natGateways', not both/],
    ['zero NAT gateways through the factory', { egress: Egress.natGateways(0) }, /Egress.natGateways needs a whole number of at least 1 \(Egress.none\(\) means no egress\), got 0/],
    ['more NAT instances than zones', { egress: Egress.natInstances(undefined, 3) }, /Egress.natInstances \(3\) cannot exceed maxAzs \(2\): at most one NAT instance per availability zone/],
  ])('%s', (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  test('egress with a bring-your-own VPC', () => {
    expect(() => synth(undefined, s => ({ vpc: existingVpc(s), egress: Egress.none() }))).toThrow(/'egress' configures a new VPC/);
  });
});
