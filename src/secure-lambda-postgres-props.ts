import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { RestApiOptions } from './api-options';
import { ConnectionBudgetOptions } from './capacity/options';
import { SecureDatabaseOptions } from './database';
import { DatabaseFunctionOptions } from './function';
import { MonitoringOptions } from './monitoring';
import { SecureNetworkOptions } from './network';

/** Properties of `SecureLambdaPostgres`. Every one is optional; the defaults are secure. */
export interface SecureLambdaPostgresProps extends SecureNetworkOptions, SecureDatabaseOptions, DatabaseFunctionOptions, RestApiOptions,
  ConnectionBudgetOptions, MonitoringOptions {
  /**
   * Whether to create VPC endpoints (S3 gateway; Secrets Manager and CloudWatch Logs interface
   * endpoints with private DNS) so AWS calls stay inside the VPC.
   *
   * @default false
   */
  readonly vpcEndpoints?: boolean;

  /**
   * Further interface endpoints, behind the same security group. Requires `vpcEndpoints`.
   *
   * @default - none
   */
  readonly additionalInterfaceEndpoints?: ec2.InterfaceVpcEndpointAwsService[];

  /**
   * Whether to create an SSM-managed bastion for port forwarding to the database.
   *
   * @default false
   */
  readonly bastion?: boolean;

  /**
   * Instance type of the bastion. Requires `bastion`.
   *
   * @default t4g.nano
   */
  readonly bastionInstanceType?: ec2.InstanceType;

  /**
   * Customer-managed key for the database storage, the secret and every log group. When you
   * pass your own, its policy must let CloudWatch Logs in this region use it.
   *
   * @default - a new key with automatic rotation
   */
  readonly encryptionKey?: kms.IKey;
}
