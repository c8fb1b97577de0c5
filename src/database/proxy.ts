import { Duration, Names } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { DatabaseAuthentication, SecureDatabaseProps } from './options';
import { acknowledge, inPacks, INLINE_GRANTS } from '../private/nag';

const PROXY_INGRESS_REASON = "PostgreSQL's port (5432) from the RDS Proxy's security group only, not from any CIDR; the rule cannot resolve the port because CDK writes it as the instance's Endpoint.Port attribute.";

/** What the proxy is built from, resolved by `SecureDatabase`. */
export interface ProxySettings {
  readonly props: SecureDatabaseProps;
  readonly instance: rds.DatabaseInstance;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly databaseSecurityGroup: ec2.ISecurityGroup;
  readonly authentication: DatabaseAuthentication;
}

/** The RDS Proxy (`Proxy`) in the application subnets: TLS required, SCRAM, the pool tunables. */
export function createProxy(scope: Construct, settings: ProxySettings): rds.DatabaseProxy {
  const { props, instance } = settings;
  const proxy = new rds.DatabaseProxy(scope, 'Proxy', {
    // Also admits the proxy's security group to the instance on its port.
    proxyTarget: rds.ProxyTarget.fromInstance(instance),
    secrets: [instance.secret!],
    vpc: props.vpc,
    vpcSubnets: props.proxySubnets,
    securityGroups: [settings.securityGroup],
    requireTLS: true,
    iamAuth: settings.authentication === DatabaseAuthentication.IAM,
    clientPasswordAuthType: rds.ClientPasswordAuthType.POSTGRES_SCRAM_SHA_256,
    idleClientTimeout: props.proxyIdleClientTimeout ?? Duration.minutes(30),
    maxConnectionsPercent: props.proxyMaxConnectionsPercent ?? 100,
    maxIdleConnectionsPercent: props.proxyMaxIdleConnectionsPercent ?? 50,
    borrowTimeout: props.proxyBorrowTimeout ?? Duration.seconds(120),
    debugLogging: props.proxyDebugLogging ?? false,
  });
  acknowledge(proxy.node.findChild('IAMRole').node.findChild('DefaultPolicy'), inPacks('IAMNoInlinePolicy', INLINE_GRANTS));
  const proxyIngress = settings.databaseSecurityGroup.node.children
    .find(c => c.node.id.startsWith(`from ${Names.uniqueId(settings.securityGroup)}`));
  if (proxyIngress) {
    // Written by ProxyTarget.fromInstance with the port as the instance's Endpoint.Port token,
    // which the rules cannot read; the peer is the proxy's security group only.
    acknowledge(proxyIngress, [
      ...inPacks('EC2RestrictedSSH', PROXY_INGRESS_REASON),
      ...inPacks('EC2RestrictedCommonPorts', PROXY_INGRESS_REASON),
    ]);
  }
  return proxy;
}
