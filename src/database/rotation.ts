import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { PASSWORD_EXCLUDED_CHARACTERS } from './instance';
import { SecureDatabaseProps } from './options';
import { closedSecurityGroup } from '../private/security-group';

/** What the rotation is built from, resolved by `SecureDatabase`. */
export interface RotationSettings {
  readonly props: SecureDatabaseProps;
  readonly secret: secretsmanager.ISecret;
  readonly databaseSecurityGroup: ec2.ISecurityGroup;
  readonly port: number;
}

/**
 * Single-user rotation of the master secret (`SecretRotation`) by the function from the AWS
 * Serverless Application Repository, in the application subnets behind a group of its own
 * (`RotationSecurityGroup`), which is returned.
 */
export function addRotation(scope: Construct, settings: RotationSettings): ec2.SecurityGroup {
  const { props } = settings;
  const securityGroup = closedSecurityGroup(scope, 'RotationSecurityGroup', {
    vpc: props.vpc,
    description: 'Secret rotation function: to the instance and Secrets Manager only',
  });
  new secretsmanager.SecretRotation(scope, 'SecretRotation', {
    application: secretsmanager.SecretRotationApplication.POSTGRES_ROTATION_SINGLE_USER,
    secret: settings.secret,
    // Admits the rotation function's security group to the instance. The instance's own
    // connections carry the port as a deploy-time token; compliance rules need the number.
    target: {
      connections: new ec2.Connections({
        securityGroups: [settings.databaseSecurityGroup],
        defaultPort: ec2.Port.tcp(settings.port),
      }),
    },
    vpc: props.vpc,
    vpcSubnets: props.proxySubnets,
    securityGroup,
    endpoint: props.secretsManagerEndpoint,
    automaticallyAfter: props.databaseSecretRotationInterval ?? Duration.days(30),
    excludeCharacters: PASSWORD_EXCLUDED_CHARACTERS,
  });
  return securityGroup;
}
