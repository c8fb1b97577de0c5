import { Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { BackendAlarms } from './alarms';
import { BackendDashboard } from './dashboard';
import { MonitoredResources, MonitoringOptions } from './options';
import { DEFAULTS } from '../private/defaults';
import { invalid } from '../private/errors';

/** What the alarms and dashboard are built from: the options, and the values the tiers resolved. */
export interface OperationsSettings {
  readonly options: MonitoringOptions;
  readonly resources: MonitoredResources;
  readonly encryptionKey: kms.IKey;
  readonly functionTimeout: Duration;
  readonly functionConcurrencyCap?: number;
  readonly databaseInstanceType: ec2.InstanceType;
  readonly databaseAllocatedStorage: number;
  readonly maxConnections?: number;
}

export interface Operations {
  readonly alarmTopic?: sns.ITopic;
  readonly alarms?: BackendAlarms;
  readonly dashboard?: cloudwatch.Dashboard;
}

/** The alarms (and their topic) and the dashboard, as the props ask for them. */
export function addOperations(scope: Construct, settings: OperationsSettings): Operations {
  const { options } = settings;
  if (options.alarmTopic && options.alarms === false) {
    throw invalid(scope, 'alarmTopic requires alarms: true (the default); drop alarmTopic or turn alarms back on.');
  }
  let alarms: BackendAlarms | undefined;
  let alarmTopic: sns.ITopic | undefined;
  if (options.alarms ?? DEFAULTS.alarms) {
    alarmTopic = options.alarmTopic ?? createAlarmTopic(scope, settings.encryptionKey);
    alarms = new BackendAlarms(scope, 'Alarms', {
      ...settings.resources,
      topic: alarmTopic,
      functionTimeout: settings.functionTimeout,
      functionConcurrencyCap: settings.functionConcurrencyCap,
      instanceType: settings.databaseInstanceType,
      allocatedStorage: settings.databaseAllocatedStorage,
      maxConnections: settings.maxConnections,
    });
  }
  const dashboard = (options.dashboard ?? DEFAULTS.dashboard)
    ? new BackendDashboard(scope, 'Dashboard', { ...settings.resources, alarms }).dashboard
    : undefined;
  return { alarmTopic, alarms, dashboard };
}

/**
 * A topic CloudWatch alarms can publish to: encrypted with the key (CloudWatch calls KMS itself,
 * so the key policy must name it, or notifications are silently dropped), TLS-only publishing,
 * and a topic policy that admits this account's alarms.
 */
function createAlarmTopic(scope: Construct, key: kms.IKey): sns.Topic {
  const topic = new sns.Topic(scope, 'AlarmTopic', { masterKey: key, enforceSSL: true });
  topic.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['sns:Publish'],
    resources: [topic.topicArn],
    conditions: { ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` } },
  }));
  // A no-op for an imported key: its policy must grant the same (README, encryptionKey).
  key.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    resources: ['*'],
  }));
  return topic;
}
