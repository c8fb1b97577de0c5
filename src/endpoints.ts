import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { closedSecurityGroup } from './private/security-group';

/** Properties of `PrivateEndpoints`. */
export interface PrivateEndpointsProps {
  /** The VPC to add the endpoints to. */
  readonly vpc: ec2.IVpc;

  /** Subnets that hold the interface endpoints' network interfaces (the function's subnets). */
  readonly subnets: ec2.SubnetSelection;

  /**
   * Interface endpoints to create besides Secrets Manager and CloudWatch Logs.
   *
   * @default - none
   */
  readonly additionalInterfaceEndpoints?: ec2.InterfaceVpcEndpointAwsService[];

  /**
   * Subnets the S3 gateway endpoint is routed from.
   *
   * @default - the route tables of `subnets`
   */
  readonly gatewaySubnets?: ec2.SubnetSelection[];
}

/**
 * VPC endpoints that keep the function's AWS calls inside the VPC: an S3 gateway endpoint and
 * Secrets Manager and CloudWatch Logs interface endpoints with private DNS, behind a security
 * group that admits HTTPS only from the clients allowed with `allowFrom`.
 */
export class PrivateEndpoints extends Construct {
  /** The security group of the interface endpoints: no rules but those added by `allowFrom`. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The S3 gateway endpoint. */
  public readonly s3: ec2.GatewayVpcEndpoint;
  /** The Secrets Manager interface endpoint. */
  public readonly secretsManager: ec2.InterfaceVpcEndpoint;
  /** The CloudWatch Logs interface endpoint. */
  public readonly cloudWatchLogs: ec2.InterfaceVpcEndpoint;

  private readonly vpc: ec2.IVpc;
  private readonly subnets: ec2.SubnetSelection;

  constructor(scope: Construct, id: string, props: PrivateEndpointsProps) {
    super(scope, id);
    this.vpc = props.vpc;
    this.subnets = props.subnets;

    this.securityGroup = closedSecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'VPC interface endpoints: HTTPS from the function only',
    });

    this.s3 = new ec2.GatewayVpcEndpoint(this, 'S3', {
      vpc: props.vpc,
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: props.gatewaySubnets ?? [props.subnets],
    });
    this.secretsManager = this.addInterfaceEndpoint('SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER);
    this.cloudWatchLogs = this.addInterfaceEndpoint('CloudWatchLogs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS);
    (props.additionalInterfaceEndpoints ?? []).forEach((service, i) => {
      this.addInterfaceEndpoint(`Additional${i}`, service);
    });
  }

  /**
   * Adds an interface endpoint with private DNS behind the endpoints' security group.
   *
   * @param id construct id of the endpoint
   * @param service the AWS service to reach privately
   */
  public addInterfaceEndpoint(id: string, service: ec2.InterfaceVpcEndpointAwsService): ec2.InterfaceVpcEndpoint {
    return new ec2.InterfaceVpcEndpoint(this, id, {
      vpc: this.vpc,
      service,
      subnets: this.subnets,
      privateDnsEnabled: true,
      securityGroups: [this.securityGroup],
      open: false,
    });
  }

  /**
   * Lets a client reach every interface endpoint on HTTPS (443).
   *
   * @param client the security-group holder allowed in
   */
  public allowFrom(client: ec2.IConnectable): void {
    this.securityGroup.connections.allowFrom(client, ec2.Port.tcp(443), 'HTTPS to VPC interface endpoints');
  }
}
