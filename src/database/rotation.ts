import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as serverless from 'aws-cdk-lib/aws-sam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { PASSWORD_EXCLUDED_CHARACTERS } from './instance';
import { SecureDatabaseProps } from './options';
import { DEFAULTS } from '../private/defaults';
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

/** What the rotation added: the group of its functions, and their names (one per secret). */
export interface Rotation {
  readonly securityGroup: ec2.SecurityGroup;
  readonly functionNames: string[];
}

/**
 * Single-user rotation of each secret (`SecretRotation`, `OwnerSecretRotation`, ...): the role
 * changes its own password, which needs no `CREATEROLE`, by a function of its own from the AWS
 * Serverless Application Repository, in the application subnets behind one group
 * (`RotationSecurityGroup`).
 */
export function addRotation(scope: Construct, settings: RotationSettings): Rotation {
  const { props } = settings;
  const securityGroup = closedSecurityGroup(scope, 'RotationSecurityGroup', {
    vpc: props.vpc,
    description: 'Secret rotation function: to the instance and Secrets Manager only',
  });
  // Admits the rotation functions' group to the instance. The instance's own connections carry the
  // port as a deploy-time token; compliance rules need the number.
  const target = new ec2.Connections({ securityGroups: [settings.databaseSecurityGroup], defaultPort: ec2.Port.tcp(settings.port) });
  const functionNames = settings.secrets.map(({ id, secret }) => {
    const rotation = new secretsmanager.SecretRotation(scope, id, {
      application: secretsmanager.SecretRotationApplication.POSTGRES_ROTATION_SINGLE_USER,
      secret,
      target: { connections: target },
      vpc: props.vpc,
      vpcSubnets: props.proxySubnets,
      securityGroup,
      endpoint: props.secretsManagerEndpoint,
      automaticallyAfter: props.databaseSecretRotationInterval ?? DEFAULTS.databaseSecretRotationInterval,
      excludeCharacters: PASSWORD_EXCLUDED_CHARACTERS,
    });
    secret.node.findChild('RotationSchedule').node.addDependency(settings.after);
    return functionNameOf(rotation);
  });
  return { securityGroup, functionNames };
}

/** The name SecretRotation gives the function it deploys (a parameter of its SAR application). */
function functionNameOf(rotation: secretsmanager.SecretRotation): string {
  const application = rotation.node.findAll().find((c): c is serverless.CfnApplication => c instanceof serverless.CfnApplication);
  return (application!.parameters as { [key: string]: string }).functionName;
}
