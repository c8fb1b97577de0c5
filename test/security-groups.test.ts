import { App, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { SecureLambdaPostgres } from '../src';
import { CLERK_PEM, ENV, existingVpc, groupIds, securityGroupRules, synth } from './util';

describe('security groups follow the least-privilege matrix', () => {
  test('defaults: exactly the matrix rules and nothing wider', () => {
    // GIVEN / WHEN
    const { stack, backend, template } = synth();
    const { F, P, D, R, M } = groupIds(stack, backend);

    // THEN
    expect(securityGroupRules(template)).toEqual([
      `${D} in ${M} tcp 5432-5432`,
      `${D} in ${P} tcp 5432-5432`,
      `${D} in ${R} tcp 5432-5432`,
      `${F} out 0.0.0.0/0 tcp 443-443`,
      `${F} out ${P} tcp 5432-5432`,
      `${M} out 0.0.0.0/0 tcp 443-443`,
      `${M} out ${D} tcp 5432-5432`,
      `${P} in ${F} tcp 5432-5432`,
      `${P} out ${D} tcp 5432-5432`,
      `${R} out 0.0.0.0/0 tcp 443-443`,
      `${R} out ${D} tcp 5432-5432`,
    ].sort());
    template.resourceCountIs('AWS::EC2::SecurityGroup', 5);
  });

  test.each([
    ['defaults', () => synth()],
    ['every option on', () => synth({ vpcEndpoints: true, bastion: true, additionalInterfaceEndpoints: [ec2.InterfaceVpcEndpointAwsService.SSM] })],
    ['bring-your-own VPC', () => synth(undefined, s => ({ vpc: existingVpc(s), bastion: true, vpcEndpoints: true }))],
    ['natGateways: 0', () => synth({ natGateways: 0, vpcEndpoints: true, bastion: true, clerkJwtKey: CLERK_PEM })],
  ])('no group keeps EC2\'s default allow-all egress (%s)', (_name, build) => {
    // GIVEN / WHEN
    const { template } = build();
    const groups = template.findResources('AWS::EC2::SecurityGroup');

    // THEN: every group lists its egress inline (EC2 drops its default rule only then)
    for (const group of Object.values(groups)) {
      expect(group.Properties.SecurityGroupEgress?.length).toBeGreaterThan(0);
    }
    expect(securityGroupRules(template).filter(r => / out \S+ -1 /.test(r))).toEqual([]);
  });

  test('a rule you add later to a group of the construct does not reopen it either', () => {
    // GIVEN
    const stack = new Stack(new App(), 'TestStack', { env: ENV });
    const backend = new SecureLambdaPostgres(stack, 'Backend');
    // WHEN: a peer group and a token port, which CDK can only write as a standalone rule
    const monitor = new ec2.SecurityGroup(stack, 'Monitor', { vpc: backend.vpc, allowAllOutbound: false });
    backend.proxySecurityGroup.connections.allowTo(monitor, ec2.Port.tcp(Token.asNumber({ Ref: 'MonitorPort' })));
    // THEN
    const { P } = groupIds(stack, backend);
    const rules = securityGroupRules(Template.fromStack(stack)).filter(r => r.startsWith(`${P} out`));
    expect(rules).toEqual([expect.stringMatching(/ tcp 5432-5432$/), expect.stringMatching(/ tcp \{"Ref":"MonitorPort"\}-/)]);
  });

  test('with endpoints and bastion: endpoints admit HTTPS from clients, rotation and migration reach Secrets Manager only through them, bastion reaches only the DB port', () => {
    // GIVEN / WHEN
    const { stack, backend, template } = synth({ vpcEndpoints: true, bastion: true });
    const { F, P, D, R, M, E, B } = groupIds(stack, backend);

    // THEN
    expect(securityGroupRules(template)).toEqual([
      `${B} out 0.0.0.0/0 tcp 443-443`,
      `${B} out ${D} tcp 5432-5432`,
      `${B} out ${E} tcp 443-443`,
      `${B} out ${P} tcp 5432-5432`,
      `${D} in ${B} tcp 5432-5432`,
      `${D} in ${M} tcp 5432-5432`,
      `${D} in ${P} tcp 5432-5432`,
      `${D} in ${R} tcp 5432-5432`,
      `${E} in ${B} tcp 443-443`,
      `${E} in ${F} tcp 443-443`,
      `${E} in ${M} tcp 443-443`,
      `${E} in ${R} tcp 443-443`,
      `${F} out 0.0.0.0/0 tcp 443-443`,
      `${F} out ${E} tcp 443-443`,
      `${F} out ${P} tcp 5432-5432`,
      `${M} out ${D} tcp 5432-5432`,
      `${M} out ${E} tcp 443-443`,
      `${P} in ${B} tcp 5432-5432`,
      `${P} in ${F} tcp 5432-5432`,
      `${P} out ${D} tcp 5432-5432`,
      `${R} out ${D} tcp 5432-5432`,
      `${R} out ${E} tcp 443-443`,
    ].sort());
  });

  test('without NAT nothing may leave for the internet: HTTPS goes to the endpoints only', () => {
    const { stack, backend, template } = synth({ natGateways: 0, vpcEndpoints: true, databaseSecretRotation: false, clerkJwtKey: CLERK_PEM });
    const { F, P, D, M, E } = groupIds(stack, backend);
    expect(securityGroupRules(template)).toEqual([
      `${D} in ${M} tcp 5432-5432`,
      `${D} in ${P} tcp 5432-5432`,
      `${E} in ${F} tcp 443-443`,
      `${E} in ${M} tcp 443-443`,
      `${F} out ${E} tcp 443-443`,
      `${F} out ${P} tcp 5432-5432`,
      `${M} out ${D} tcp 5432-5432`,
      `${M} out ${E} tcp 443-443`,
      `${P} in ${F} tcp 5432-5432`,
      `${P} out ${D} tcp 5432-5432`,
    ].sort());
  });

  test.each([
    ['defaults', {}],
    ['every option on', { vpcEndpoints: true, bastion: true, additionalInterfaceEndpoints: [ec2.InterfaceVpcEndpointAwsService.SSM] }],
  ])('no ingress from anywhere on the internet (%s)', (_name, props) => {
    const rules = securityGroupRules(synth(props).template);
    expect(rules.length).toBeGreaterThan(0);
    const open = rules.filter(r => / in (0\.0\.0\.0\/0|::\/0) /.test(r));
    expect(open).toEqual([]);
  });

  test('bring-your-own VPC gets the same matrix', () => {
    const { stack, backend, template } = synth(undefined, s => ({ vpc: existingVpc(s), databaseSecretRotation: false }));
    const { F, P, D, M } = groupIds(stack, backend);
    expect(securityGroupRules(template)).toEqual([
      `${D} in ${M} tcp 5432-5432`,
      `${D} in ${P} tcp 5432-5432`,
      `${F} out 0.0.0.0/0 tcp 443-443`,
      `${F} out ${P} tcp 5432-5432`,
      `${M} out 0.0.0.0/0 tcp 443-443`,
      `${M} out ${D} tcp 5432-5432`,
      `${P} in ${F} tcp 5432-5432`,
      `${P} out ${D} tcp 5432-5432`,
    ].sort());
  });
});
