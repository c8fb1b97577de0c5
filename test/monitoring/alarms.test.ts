import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Egress, SecureLambdaPostgres, SecureLambdaPostgresProps } from '../../src';
import { logicalId, synth } from '../util';

type Built = { stack: Stack; backend: SecureLambdaPostgres; template: Template };
const alarmOf = ({ stack, template }: Built, alarm?: cloudwatch.Alarm) =>
  template.toJSON().Resources[stack.getLogicalId(alarm!.node.defaultChild as cloudwatch.CfnAlarm)].Properties;
const ref = (stack: Stack, construct: any) => ({ Ref: logicalId(stack, construct) });
const GIB = 2 ** 30;

describe('alarms with default props', () => {
  const built = synth();
  const { stack, backend, template } = built;
  const a = backend.alarms!;
  const apiName = template.toJSON().Resources[logicalId(stack, backend.api)].Properties.Name;
  const apiDims = [{ Name: 'ApiName', Value: apiName }, { Name: 'Stage', Value: ref(stack, backend.api.deploymentStage) }];
  const fnDims = [{ Name: 'FunctionName', Value: ref(stack, backend.function) }];
  const proxyDims = [{ Name: 'ProxyName', Value: ref(stack, backend.proxy) }];
  const dbDims = [{ Name: 'DBInstanceIdentifier', Value: ref(stack, backend.databaseInstance) }];

  test.each<[string, () => cloudwatch.Alarm | undefined, object]>([
    // 5XXError's average is the 5XX rate; any 5XX in 3 of 5 minutes.
    ['API 5XX rate', () => a.apiServerErrors, { Namespace: 'AWS/ApiGateway', MetricName: '5XXError', Dimensions: apiDims, Statistic: 'Average', Period: 60, Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 5, DatapointsToAlarm: 3, TreatMissingData: 'notBreaching' }],
    // 80 % of the 10 s timeout.
    ['API p99 latency', () => a.apiLatency, { Namespace: 'AWS/ApiGateway', MetricName: 'Latency', Dimensions: apiDims, ExtendedStatistic: 'p99', Period: 60, Threshold: 8000, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 5, DatapointsToAlarm: 3, TreatMissingData: 'notBreaching' }],
    ['function errors', () => a.functionErrors, { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: fnDims, Statistic: 'Sum', Period: 300, Threshold: 1, EvaluationPeriods: 1, TreatMissingData: 'notBreaching' }],
    ['function throttles', () => a.functionThrottles, { Namespace: 'AWS/Lambda', MetricName: 'Throttles', Dimensions: fnDims, Statistic: 'Sum', Period: 300, Threshold: 1, EvaluationPeriods: 1, TreatMissingData: 'notBreaching' }],
    ['function p99 duration', () => a.functionDuration, { Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: fnDims, ExtendedStatistic: 'p99', Threshold: 8000, DatapointsToAlarm: 3 }],
    // Unreserved: the cap is what the budget allows, 70 containers; 80 % → 56.
    ['concurrent executions', () => a.functionConcurrency, { Namespace: 'AWS/Lambda', MetricName: 'ConcurrentExecutions', Dimensions: fnDims, Statistic: 'Maximum', Period: 60, Threshold: 56, ComparisonOperator: 'GreaterThanOrEqualToThreshold' }],
    // A tenth of the 10 s timeout in microseconds.
    ['proxy borrow latency', () => a.proxyBorrowLatency, { Namespace: 'AWS/RDS', MetricName: 'DatabaseConnectionsBorrowLatency', Dimensions: proxyDims, Statistic: 'Average', Period: 60, Threshold: 1_000_000, DatapointsToAlarm: 3, TreatMissingData: 'notBreaching' }],
    ['proxy session pinning', () => a.proxySessionPinning, { Namespace: 'AWS/RDS', MetricName: 'DatabaseConnectionsCurrentlySessionPinned', Dimensions: proxyDims, Statistic: 'Sum', Period: 60, Threshold: 1, EvaluationPeriods: 15, DatapointsToAlarm: 15 }],
    ['proxy failed authentication', () => a.proxyAuthFailures, { Namespace: 'AWS/RDS', MetricName: 'ClientConnectionsSetupFailedAuth', Dimensions: proxyDims, Statistic: 'Sum', Period: 300, Threshold: 1, EvaluationPeriods: 3, DatapointsToAlarm: 3 }],
    // t4g.micro's baseline is 10 % of each vCPU.
    ['database CPU', () => a.databaseCpu, { Namespace: 'AWS/RDS', MetricName: 'CPUUtilization', Dimensions: dbDims, Statistic: 'Average', Period: 300, Threshold: 10, EvaluationPeriods: 3, TreatMissingData: 'missing' }],
    // 20 % of 1 GiB.
    ['database freeable memory', () => a.databaseMemory, { Namespace: 'AWS/RDS', MetricName: 'FreeableMemory', Dimensions: dbDims, Threshold: Math.round(0.2 * GIB), ComparisonOperator: 'LessThanOrEqualToThreshold', TreatMissingData: 'missing' }],
    // 20 % of 20 GiB.
    ['database free storage', () => a.databaseStorage, { Namespace: 'AWS/RDS', MetricName: 'FreeStorageSpace', Dimensions: dbDims, Statistic: 'Minimum', Threshold: 4 * GIB, ComparisonOperator: 'LessThanOrEqualToThreshold', TreatMissingData: 'missing' }],
    // 80 % of max_connections 77 → 61.6 → 62.
    ['database connections', () => a.databaseConnections, { Namespace: 'AWS/RDS', MetricName: 'DatabaseConnections', Dimensions: dbDims, Statistic: 'Maximum', Period: 60, Threshold: 62, TreatMissingData: 'missing' }],
  ])('%s', (_name, alarm, expected) => {
    expect(alarmOf(built, alarm())).toEqual(expect.objectContaining(expected));
  });

  test('proxy connections as a share of MaxDatabaseConnectionsAllowed, at 80 %', () => {
    const props = alarmOf(built, a.proxyConnections);
    expect(props).toEqual(expect.objectContaining({ Threshold: 80, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 5, DatapointsToAlarm: 3, TreatMissingData: 'notBreaching' }));
    const byId = Object.fromEntries(props.Metrics.map((q: any) => [q.Id, q]));
    expect(byId.expr_1.Expression).toBe('100 * connections / allowed');
    for (const [id, name] of [['connections', 'DatabaseConnections'], ['allowed', 'MaxDatabaseConnectionsAllowed']]) {
      expect(byId[id].MetricStat).toEqual({ Metric: { Namespace: 'AWS/RDS', MetricName: name, Dimensions: [{ Name: 'ProxyName', Value: ref(stack, backend.proxy) }] }, Period: 60, Stat: 'Sum' });
    }
  });

  test('secret rotation failures: the errors of every rotation function (master, owner and app secrets)', () => {
    const names = Object.values<any>(template.findResources('AWS::Serverless::Application')).map((app) => app.Properties.Parameters.functionName);
    expect(names).toHaveLength(3);
    const props = alarmOf(built, a.rotationFailures);
    expect(props).toEqual(expect.objectContaining({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' }));
    const sum = props.Metrics.find((q: any) => q.Expression !== undefined);
    const inputs = props.Metrics.filter((q: any) => q.MetricStat !== undefined);
    expect(sum.Expression).toBe(`SUM([${inputs.map((q: any) => q.Id).join(',')}])`);
    expect(inputs.map((q: any) => q.MetricStat)).toEqual(names.map((name) => ({
      Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: name }] }, Period: 300, Stat: 'Sum',
    })));
  });

  test('every alarm notifies the topic and is named by CloudFormation', () => {
    const topic = ref(stack, backend.alarmTopic as sns.Topic);
    const alarms = Object.values<any>(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(a.all.length);
    expect(a.all).toHaveLength(15);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([topic]);
      expect(alarm.Properties.OKActions).toEqual([topic]);
      expect(alarm.Properties.AlarmName).toBeUndefined();
      expect(alarm.Properties.AlarmDescription.length).toBeGreaterThan(60);
    }
  });

  test('the topic is encrypted with the key, CloudWatch may use both, publishing needs TLS', () => {
    const topic = logicalId(stack, backend.alarmTopic as sns.Topic);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(stack, backend.encryptionKey as any), 'Arn'] } });
    expect(template.toJSON().Resources[topic].Properties.TopicName).toBeUndefined();
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' }, Condition: { ArnLike: { 'aws:SourceArn': Match.anyValue() } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]) },
    });
  });
});

describe('thresholds follow the configuration', () => {
  const props: SecureLambdaPostgresProps = {
    functionTimeout: Duration.seconds(20),
    functionReservedConcurrency: 40,
    databaseInstanceType: new ec2.InstanceType('r6g.large'),
    databaseAllocatedStorage: 100,
  };
  const built = synth(props);
  const a = built.backend.alarms!;

  test.each<[string, () => cloudwatch.Alarm | undefined, number]>([
    ['latency: 80 % of 20 s', () => a.apiLatency, 16_000],
    ['duration: 80 % of 20 s', () => a.functionDuration, 16_000],
    ['concurrency: 80 % of the reserved 40', () => a.functionConcurrency, 32],
    ['borrow latency: a tenth of 20 s in µs', () => a.proxyBorrowLatency, 2_000_000],
    ['CPU: 80 % for a fixed-performance class', () => a.databaseCpu, 80],
    ['memory: 20 % of 16 GiB', () => a.databaseMemory, Math.round(0.2 * 16 * GIB)],
    ['storage: 20 % of 100 GiB', () => a.databaseStorage, 20 * GIB],
    ['connections: 80 % of 1733', () => a.databaseConnections, 1387],
  ])('%s', (_name, alarm, threshold) => {
    expect(alarmOf(built, alarm()).Threshold).toBe(threshold);
  });

  test('a t4g.small burstable baseline is 20 %', () => {
    const small = synth({ databaseInstanceType: new ec2.InstanceType('t4g.small') });
    expect(alarmOf(small, small.backend.alarms!.databaseCpu).Threshold).toBe(20);
  });
});

describe('which alarms exist', () => {
  test('NAT instances: a status-check alarm each, no data counts as failing', () => {
    const built = synth({ egress: Egress.natInstances(undefined, 2) });
    const status = built.backend.alarms!.natInstanceStatus;
    expect(status).toHaveLength(2);
    built.backend.network.natInstances.forEach((nat, i) => expect(alarmOf(built, status[i])).toEqual(expect.objectContaining({
      Namespace: 'AWS/EC2',
      MetricName: 'StatusCheckFailed',
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 1,
      EvaluationPeriods: 2,
      TreatMissingData: 'breaching',
      Dimensions: [{ Name: 'InstanceId', Value: ref(built.stack, nat) }],
    })));
  });

  test('no rotation, no rotation alarm; an unknown class, no memory or connection alarm', () => {
    const { backend } = synth({ databaseSecretRotation: false, databaseInstanceType: new ec2.InstanceType('x1e.xlarge') });
    expect(backend.alarms!.rotationFailures).toBeUndefined();
    expect(backend.alarms!.databaseMemory).toBeUndefined();
    expect(backend.alarms!.databaseConnections).toBeUndefined();
    expect(backend.alarms!.functionConcurrency).toBeUndefined();
  });

  test('a function timeout known only at deploy time: no alarm measured against it, the others as usual', () => {
    const { backend } = synth(undefined, (s) => ({ functionTimeout: Duration.seconds(new CfnParameter(s, 'Timeout', { type: 'Number' }).valueAsNumber) }));
    const a = backend.alarms!;
    expect([a.apiLatency, a.functionDuration, a.proxyBorrowLatency]).toEqual([undefined, undefined, undefined]);
    expect(a.apiServerErrors).toBeDefined();
    expect(a.all.length).toBeGreaterThan(10);
  });

  test('alarms: false creates no alarm and no topic', () => {
    const { backend, template } = synth({ alarms: false });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(backend.alarms).toBeUndefined();
    expect(backend.alarmTopic).toBeUndefined();
  });

  test('a topic of your own is notified and none is created', () => {
    const { template, stack } = synth(undefined, s => ({ alarmTopic: new sns.Topic(s, 'Pager') }));
    template.resourceCountIs('AWS::SNS::Topic', 1);
    for (const alarm of Object.values<any>(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: stack.getLogicalId(stack.node.findChild('Pager').node.defaultChild as any) }]);
    }
  });

  test('fails on a topic without alarms', () => {
    expect(() => synth(undefined, s => ({ alarms: false, alarmTopic: new sns.Topic(s, 'Pager') }))).toThrow(/alarmTopic requires alarms: true/);
  });
});
