import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { SecureLambdaPostgres } from '../src';
import { ENV, synth } from './util';

describe('VPC endpoints', () => {
  const { stack, backend, template } = synth({
    vpcEndpoints: true,
    additionalInterfaceEndpoints: [ec2.InterfaceVpcEndpointAwsService.SSM],
  });

  test('S3 gateway endpoint on the application route tables', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('s3')])] }),
      RouteTableIds: Match.arrayWith([Match.objectLike({ Ref: Match.stringLikeRegexp('Application') })]),
    });
  });

  test.each(['secretsmanager', 'logs', 'ssm'])('%s interface endpoint with private DNS behind the endpoint group', service => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      ServiceName: `com.amazonaws.us-east-1.${service}`,
      PrivateDnsEnabled: true,
      SecurityGroupIds: [{ 'Fn::GetAtt': [stack.getLogicalId(backend.endpointsSecurityGroup!.node.defaultChild as any), 'GroupId'] }],
    });
  });

  test('the rotation function uses the Secrets Manager endpoint', () => {
    template.hasResourceProperties('AWS::Serverless::Application', {
      Parameters: Match.objectLike({
        endpoint: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ Ref: stack.getLogicalId(backend.endpoints!.secretsManager.node.defaultChild as any) }])] }),
      }),
    });
  });

  test('more interface endpoints can be added after construction', () => {
    // Stacks of their own: the template above was synthesized before any endpoint could be added.
    const before = Object.keys(synth({ vpcEndpoints: true }).template.findResources('AWS::EC2::VPCEndpoint')).length;
    const later = new Stack(new App(), 'Later', { env: ENV });
    const built = new SecureLambdaPostgres(later, 'Backend', { vpcEndpoints: true });
    built.endpoints!.addInterfaceEndpoint('Kms', ec2.InterfaceVpcEndpointAwsService.KMS);
    const after = Template.fromStack(later);
    expect(Object.keys(after.findResources('AWS::EC2::VPCEndpoint'))).toHaveLength(before + 1);
    after.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.us-east-1.kms',
      PrivateDnsEnabled: true,
      SecurityGroupIds: [{ 'Fn::GetAtt': [later.getLogicalId(built.endpointsSecurityGroup!.node.defaultChild as any), 'GroupId'] }],
    });
  });
});
