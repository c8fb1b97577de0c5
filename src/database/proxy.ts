import { Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DatabaseAuthentication, SecureDatabaseProps } from './options';
import { DEFAULTS } from '../private/defaults';
import { acknowledge, inPacks, INLINE_GRANTS } from '../private/nag';
import { physicalName } from '../private/names';

/** What the proxy is built from, resolved by `SecureDatabase`. */
export interface ProxySettings {
  readonly props: SecureDatabaseProps;
  readonly instance: rds.DatabaseInstance;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly databaseSecurityGroup: ec2.ISecurityGroup;
  readonly authentication: DatabaseAuthentication;
  /** The port the instance listens on. */
  readonly port: number;
  /** The application role, the only one the proxy serves. */
  readonly appUsername: string;
  /** Its secret, with password authentication. */
  readonly appSecret?: secretsmanager.ISecret;
  /** Share of the instance's `max_connections` the proxy may open. */
  readonly maxConnectionsPercent: number;
  readonly borrowTimeout: Duration;
}

/**
 * The RDS Proxy (`Proxy`) in the application subnets, serving the application role only: TLS
 * required, SCRAM with the app role's secret, or IAM end to end, and the pool tunables.
 */
export function createProxy(scope: Construct, settings: ProxySettings): rds.DatabaseProxy {
  const { props, instance } = settings;
  const iamAuth = settings.authentication === DatabaseAuthentication.IAM;
  const proxy = new rds.DatabaseProxy(scope, 'Proxy', {
    // CDK names a proxy after its construct id ("Proxy"): a second stack in the account would collide.
    dbProxyName: physicalName(scope, 'proxy', 60),
    // Also admits the proxy's security group to the instance on its port.
    proxyTarget: rds.ProxyTarget.fromInstance(instance),
    // Neither the master's secret nor the owner's: through the proxy, only the app role logs in.
    secrets: settings.appSecret ? [settings.appSecret] : undefined,
    defaultAuthScheme: iamAuth ? rds.DefaultAuthScheme.IAM_AUTH : undefined,
    vpc: props.vpc,
    vpcSubnets: props.proxySubnets,
    securityGroups: [settings.securityGroup],
    requireTLS: true,
    clientPasswordAuthType: rds.ClientPasswordAuthType.POSTGRES_SCRAM_SHA_256,
    idleClientTimeout: props.proxyIdleClientTimeout ?? DEFAULTS.proxyIdleClientTimeout,
    maxConnectionsPercent: settings.maxConnectionsPercent,
    maxIdleConnectionsPercent: props.proxyMaxIdleConnectionsPercent ?? DEFAULTS.proxyMaxIdleConnectionsPercent,
    borrowTimeout: settings.borrowTimeout,
    debugLogging: props.proxyDebugLogging ?? DEFAULTS.proxyDebugLogging,
  });
  if (iamAuth) {
    // The L2 grants only the client side; the proxy logs in to the instance as the app role too.
    instance.grantConnect(proxy.node.findChild('IAMRole') as iam.IRole, settings.appUsername);
  }
  acknowledge(proxy.node.findChild('IAMRole').node.findChild('DefaultPolicy'), inPacks('IAMNoInlinePolicy', INLINE_GRANTS));
  pinDatabasePort([settings.databaseSecurityGroup, settings.securityGroup], settings.port);
  return proxy;
}

/**
 * `ProxyTarget.fromInstance` writes the proxy-to-instance rules (ingress on the instance's group,
 * egress on the proxy's) with the port as the instance's `Endpoint.Port` attribute. The construct
 * fixes that port, so the rules carry the number: reviewers, scanners and compliance rules can
 * then read what is open.
 */
function pinDatabasePort(groups: ec2.ISecurityGroup[], port: number): void {
  for (const rule of groups.flatMap(group => group.node.children)) {
    if ((rule instanceof ec2.CfnSecurityGroupIngress || rule instanceof ec2.CfnSecurityGroupEgress) && Token.isUnresolved(rule.fromPort)) {
      rule.fromPort = port;
      rule.toPort = port;
    }
  }
}
