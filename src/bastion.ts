import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { SecureDatabase } from './database';

/** Properties of `DatabaseBastion`. */
export interface DatabaseBastionProps {
  /** The VPC. */
  readonly vpc: ec2.IVpc;

  /** Private subnets for the instance (it never gets a public address). */
  readonly subnets: ec2.SubnetSelection;

  /** The database the bastion may reach, on its port only (proxy and instance). */
  readonly database: SecureDatabase;

  /**
   * Instance type (ARM).
   *
   * @default t4g.nano
   */
  readonly instanceType?: ec2.InstanceType;
}

/**
 * An SSM-managed EC2 instance for reaching the database from a laptop by Session Manager port
 * forwarding: no SSH port, IMDSv2 required, encrypted root volume, no public IP, and network
 * access only to the proxy and the instance on the database port (plus HTTPS for SSM).
 */
export class DatabaseBastion extends Construct implements ec2.IConnectable {
  /** The bastion host. */
  public readonly host: ec2.BastionHostLinux;
  /** The bastion's security group: no ingress. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The bastion's network access. */
  public readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, props: DatabaseBastionProps) {
    super(scope, id);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'SSM bastion: no ingress; egress to the database port and HTTPS for SSM only',
      allowAllOutbound: false,
    });
    this.host = new ec2.BastionHostLinux(this, 'Host', {
      vpc: props.vpc,
      subnetSelection: props.subnets,
      securityGroup: this.securityGroup,
      instanceType: props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.NANO),
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
      requireImdsv2: true,
      blockDevices: [{
        deviceName: '/dev/xvda',
        volume: ec2.BlockDeviceVolume.ebs(8, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }),
      }],
    });
    this.connections = this.host.connections;

    props.database.connections.allowDefaultPortFrom(this.host, 'Bastion to the proxy');
    props.database.allowDirectAccessFrom(this.host, 'Bastion to the instance');
  }
}
