import { generateKeyPairSync } from 'crypto';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { SecureLambdaPostgres, SecureLambdaPostgresProps } from '../src';

export const ENV = { account: '123456789012', region: 'us-east-1' };

/** Builds a stack holding one `SecureLambdaPostgres` and returns both with the template. */
export function synth(props?: SecureLambdaPostgresProps, configure?: (stack: Stack) => SecureLambdaPostgresProps) {
  const app = new App();
  const stack = new Stack(app, 'TestStack', { env: ENV });
  const backend = new SecureLambdaPostgres(stack, 'Backend', configure ? configure(stack) : props);
  return { app, stack, backend, template: Template.fromStack(stack) };
}

/** A VPC as a team would already have it: public, private-with-egress and isolated subnets. */
export function existingVpc(stack: Stack, subnetConfiguration?: ec2.SubnetConfiguration[]): ec2.Vpc {
  return new ec2.Vpc(stack, 'ExistingVpc', {
    maxAzs: 2,
    natGateways: 1,
    subnetConfiguration: subnetConfiguration ?? [
      { name: 'ingress', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
}

/** One security-group rule, with peers named by logical id (or CIDR) and ports made literal. */
export interface Rule {
  readonly group: string;
  readonly direction: 'in' | 'out';
  readonly peer: string;
  readonly protocol: string;
  readonly ports: string;
}

/**
 * Every rule EC2 enforces for the security groups of the template, as `group in|out peer protocol
 * ports`, with peers named by logical id (or CIDR) and ports made literal. The model follows EC2
 * and CloudFormation, not CDK:
 * - a group's rules are its inline `SecurityGroupIngress`/`SecurityGroupEgress` plus every
 *   standalone `AWS::EC2::SecurityGroupIngress`/`Egress` resource naming it;
 * - a group created without inline egress keeps EC2's default egress rule, all traffic to
 *   `0.0.0.0/0` (`-1 all`): standalone egress resources only add to it;
 * - CDK's placeholder (`255.255.255.255/32 icmp 252-86`) matches no packet: it makes the egress
 *   inline, and is itself left out, so a group with no rules has no entry.
 * The database port appears as `Endpoint.Port` GetAtt in rules CDK derives from the instance; it
 * is rendered as 5432, the port the construct sets.
 */
export function securityGroupRules(template: Template): string[] {
  const resources = template.toJSON().Resources as Record<string, any>;
  const groupOf = (value: any): string => {
    if (value && value['Fn::GetAtt']) return value['Fn::GetAtt'][0];
    if (value && value.Ref) return value.Ref;
    return JSON.stringify(value);
  };
  const port = (value: any): string => {
    if (typeof value === 'number') return String(value);
    if (value && value['Fn::GetAtt'] && value['Fn::GetAtt'][1] === 'Endpoint.Port') return '5432';
    return JSON.stringify(value);
  };
  const render = (group: string, direction: 'in' | 'out', rule: any): string | undefined => {
    if (rule.CidrIp === '255.255.255.255/32' && rule.IpProtocol === 'icmp') return undefined;
    const peer = rule.CidrIp ?? rule.CidrIpv6 ?? rule.DestinationPrefixListId ?? rule.SourcePrefixListId
      ?? groupOf(rule.SourceSecurityGroupId ?? rule.DestinationSecurityGroupId);
    const ports = rule.IpProtocol === '-1' ? 'all' : `${port(rule.FromPort)}-${port(rule.ToPort)}`;
    return `${group} ${direction} ${typeof peer === 'string' ? peer : JSON.stringify(peer)} ${rule.IpProtocol} ${ports}`;
  };
  const rules: string[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    const p = resource.Properties ?? {};
    if (resource.Type === 'AWS::EC2::SecurityGroup') {
      for (const r of p.SecurityGroupIngress ?? []) rules.push(render(id, 'in', r)!);
      if ((p.SecurityGroupEgress ?? []).length === 0) rules.push(`${id} out 0.0.0.0/0 -1 all`);
      for (const r of p.SecurityGroupEgress ?? []) {
        const line = render(id, 'out', r);
        if (line) rules.push(line);
      }
    } else if (resource.Type === 'AWS::EC2::SecurityGroupIngress') {
      rules.push(render(groupOf(p.GroupId), 'in', p)!);
    } else if (resource.Type === 'AWS::EC2::SecurityGroupEgress') {
      rules.push(render(groupOf(p.GroupId), 'out', p)!);
    }
  }
  return rules.sort();
}

/** Logical ids of the construct's security groups: F(unction), P(roxy), D(atabase), R(otation), M(igration), E(ndpoints), B(astion). */
export function groupIds(stack: Stack, backend: SecureLambdaPostgres) {
  const id = (group?: ec2.ISecurityGroup) => (group ? logicalId(stack, group) : undefined);
  return {
    F: id(backend.functionSecurityGroup)!,
    P: id(backend.proxySecurityGroup)!,
    D: id(backend.databaseSecurityGroup)!,
    R: id(backend.rotationSecurityGroup),
    M: id(backend.migrationSecurityGroup)!,
    E: id(backend.endpointsSecurityGroup),
    B: id(backend.bastionSecurityGroup),
  };
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } } | ec2.ISecurityGroup): string {
  const child = (construct as any).node.defaultChild ?? construct;
  return stack.getLogicalId(child);
}

/** `{ Ref }`s of the subnets in the subnet group `name` (the `aws-cdk:subnet-name` tag). */
export function subnetRefs(template: Template, name: string): Array<{ Ref: string }> {
  return Object.entries<any>(template.findResources('AWS::EC2::Subnet'))
    .filter(([, r]) => r.Properties.Tags.some((t: any) => t.Key === 'aws-cdk:subnet-name' && t.Value === name))
    .map(([id]) => ({ Ref: id }));
}

/** Every IAM statement attached to the role of the function resource `fn`. */
export function roleStatements(template: Template, fn: any): any[] {
  const role = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values<any>(template.findResources('AWS::IAM::Policy'))
    .filter(p => p.Properties.Roles.some((r: any) => r.Ref === role))
    .flatMap(p => p.Properties.PolicyDocument.Statement);
}

/** An RSA public key in PEM form, generated for this test run: what `clerkJwtKey` takes. */
export const CLERK_PEM = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
