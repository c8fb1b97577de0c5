import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { PASSWORD_EXCLUDED_CHARACTERS } from './instance';
import { SecureDatabaseProps } from './options';
import { closedSecurityGroup } from '../private/security-group';

/** A secret to rotate, and the id of its rotation construct. */
export interface RotatedSecret {
  readonly id: string;
  readonly secret: secretsmanager.ISecret;
}

/** What the rotation is built from, resolved by `SecureDatabase`. */
export interface RotationSettings {
  readonly props: SecureDatabaseProps;
  readonly secrets: RotatedSecret[];
  readonly databaseSecurityGroup: ec2.ISecurityGroup;
  readonly port: number;
  /**
   * What must be deployed before a schedule starts rotating: a rotation changes the role's
   * password, so the role must exist, and no rotation may race the deploy-time bootstrap.
   */
  readonly after: IConstruct;
}

/**
 * Single-user rotation of each secret (`SecretRotation`, `OwnerSecretRotation`, ...): the role
 * changes its own password, which needs no `CREATEROLE`, by the function from the AWS Serverless
 * Application Repository, in the application subnets behind one group (`RotationSecurityGroup`),
 * which is returned.
 */
export function addRotation(scope: Construct, settings: RotationSettings): ec2.SecurityGroup {
  const { props } = settings;
  const securityGroup = closedSecurityGroup(scope, 'RotationSecurityGroup', {
    vpc: props.vpc,
    description: 'Secret rotation function: to the instance and Secrets Manager only',
  });
  for (const { id, secret } of settings.secrets) {
    new secretsmanager.SecretRotation(scope, id, {
      application: secretsmanager.SecretRotationApplication.POSTGRES_ROTATION_SINGLE_USER,
      secret,
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
    secret.node.findChild('RotationSchedule').node.addDependency(settings.after);
  }
  return securityGroup;
}
