import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { physicalName } from './names';

/**
 * Launches an instance that already requires IMDSv2 on itself (`MetadataOptions`, which EC2
 * applies and cdk-nag 3 and checkov read) from a launch template that requires it too, because
 * cdk-nag 2 reads IMDSv2 only from a launch template. The template (`LaunchTemplate` in `scope`)
 * is named from the construct's unique address: CDK's `requireImdsv2` would name it after the
 * instance's id alone, which collides across stacks.
 */
export function launchWithImdsv2Template(scope: Construct, instance: ec2.CfnInstance, kind: string): void {
  const template = new ec2.LaunchTemplate(scope, 'LaunchTemplate', {
    launchTemplateName: physicalName(scope, kind, 128),
    httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
    requireImdsv2: true,
  });
  instance.launchTemplate = {
    launchTemplateId: template.launchTemplateId,
    version: template.latestVersionNumber,
  };
}
