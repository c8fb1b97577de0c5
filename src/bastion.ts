import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { SecureDatabase } from './database';
import { DEFAULTS } from './private/defaults';
import { launchWithImdsv2Template } from './private/imdsv2';
import { acknowledge, ignoreCfnLint, managedPolicy } from './private/nag';
import { closedSecurityGroup } from './private/security-group';

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
  /** The bastion instance. */
  public readonly instance: ec2.Instance;
  /** The bastion's security group: no ingress. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The bastion's network access. */
  public readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, props: DatabaseBastionProps) {
    super(scope, id);

    this.securityGroup = closedSecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'SSM bastion: no ingress; egress to the database port and HTTPS for SSM only',
    });
    this.instance = new ec2.Instance(this, 'Instance', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroup: this.securityGroup,
      instanceType: props.instanceType ?? DEFAULTS.bastionInstanceType,
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
      // AmazonSSMManagedInstanceCore: Session Manager is the only way in.
      ssmSessionPermissions: true,
      // IMDSv2 on the instance itself, where EC2 applies it and cdk-nag 3 and checkov read it
      // (CDK's requireImdsv2 would instead attach a launch template with a fixed name).
      httpTokens: ec2.HttpTokens.REQUIRED,
      detailedMonitoring: true,
      blockDevices: [{
        deviceName: '/dev/xvda',
        volume: ec2.BlockDeviceVolume.ebs(8, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }),
      }],
    });
    launchWithImdsv2Template(this, this.instance.node.defaultChild as ec2.CfnInstance, 'bastion');
    this.connections = this.instance.connections;
    // CDK writes the availability zone of the subnet it picked.
    ignoreCfnLint(this.instance, ['W3010']);
    acknowledge(this.instance, [
      { id: 'AwsSolutions-EC29', reason: 'The bastion is stateless and disposable; termination protection would only block deleting the stack.' },
    ]);
    acknowledge(this.instance.role.node.defaultChild!, [{
      id: 'AwsSolutions-IAM4',
      appliesTo: [managedPolicy('AmazonSSMManagedInstanceCore')],
      reason: 'The AWS managed policy Session Manager requires on managed instances; SSM is the only way into the bastion (no SSH, no public IP).',
    }]);

    props.database.connections.allowDefaultPortFrom(this.instance, 'Bastion to the proxy');
    props.database.allowDirectAccessFrom(this.instance, 'Bastion to the instance');
  }
}
