import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { DEFAULTS } from './private/defaults';

/** How the application subnets of a new VPC reach the internet. */
export enum EgressMode {
  /** Managed NAT gateways, one per availability zone used. */
  NAT_GATEWAYS = 'NAT_GATEWAYS',
  /** EC2 NAT instances (`ec2.NatProvider.instanceV2`): cheaper, but you patch and watch them. */
  NAT_INSTANCES = 'NAT_INSTANCES',
  /** No route to the internet: AWS services through VPC endpoints only. */
  NONE = 'NONE',
}

/**
 * The egress of a new VPC: `Egress.natGateways()`, `Egress.natInstances()` or `Egress.none()`.
 */
export class Egress {
  /**
   * Managed NAT gateways (each with an Elastic IP) in the public subnets.
   *
   * @param count how many, at most one per availability zone
   */
  public static natGateways(count: number = 1): Egress {
    return new Egress(EgressMode.NAT_GATEWAYS, count);
  }

  /**
   * NAT instances built by aws-cdk-lib's `NatProvider.instanceV2` (Amazon Linux 2023), hardened:
   * IMDSv2 required, Session Manager only (no SSH key), encrypted gp3 root volume, standard CPU
   * credits, and a security group that admits HTTPS from the application subnets and sends HTTPS
   * out. Instances are not replaced automatically when they fail: an alarm watches their status
   * checks. Costs a fraction of a NAT gateway.
   *
   * @param instanceType instance type of each NAT instance (Graviton by default)
   * @param count how many, at most one per availability zone
   */
  public static natInstances(instanceType?: ec2.InstanceType, count: number = 1): Egress {
    return new Egress(EgressMode.NAT_INSTANCES, count,
      instanceType ?? DEFAULTS.natInstanceType);
  }

  /**
   * No internet egress at all: the application subnets are isolated. Needs `vpcEndpoints` (the
   * function reaches Secrets Manager through them) and networkless Clerk verification
   * (`clerkJwtKey`, not `clerkSecretKey`).
   */
  public static none(): Egress {
    return new Egress(EgressMode.NONE, 0);
  }

  /** The kind of egress. */
  public readonly mode: EgressMode;
  /** Number of NAT gateways or instances (0 with `NONE`). */
  public readonly count: number;
  /** Instance type of the NAT instances, with `NAT_INSTANCES`. */
  public readonly instanceType?: ec2.InstanceType;

  private constructor(mode: EgressMode, count: number, instanceType?: ec2.InstanceType) {
    this.mode = mode;
    this.count = count;
    this.instanceType = instanceType;
  }
}
