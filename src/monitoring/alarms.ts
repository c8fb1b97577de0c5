import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { backendMetrics } from './metrics';
import { MonitoredResources } from './options';
import { AlarmSpec, alarmSpecs } from './specs';
import { alarmThresholds } from './thresholds';
import { DEFAULTS } from '../private/defaults';
import { instanceClassSpec } from '../rds-limits/instance-classes';
import { defaultMaxConnections } from '../rds-limits/max-connections';

/** Properties of `BackendAlarms`. */
export interface BackendAlarmsProps extends MonitoredResources {
  /**
   * The function's timeout: the latency thresholds are derived from it.
   *
   * @default Duration.seconds(10)
   */
  readonly functionTimeout?: Duration;

  /**
   * The function's concurrency cap: its reserved concurrency, or the containers the proxy can
   * serve.
   *
   * @default - no concurrency alarm
   */
  readonly functionConcurrencyCap?: number;

  /**
   * The instance's class: CPU, memory and connection thresholds are derived from it.
   *
   * @default t4g.micro
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * Allocated storage of the instance in GiB.
   *
   * @default 20
   */
  readonly allocatedStorage?: number;

  /**
   * The instance's `max_connections`.
   *
   * @default - RDS's default for the class, estimated as the connection budget does
   */
  readonly maxConnections?: number;

  /**
   * Topic notified when an alarm fires and when it recovers.
   *
   * @default - alarms without actions
   */
  readonly topic?: sns.ITopic;
}

/**
 * CloudWatch alarms over API → function → RDS Proxy → PostgreSQL, with thresholds derived from
 * the configuration (see `thresholds.ts`), each a member. CloudFormation names them.
 */
export class BackendAlarms extends Construct {
  /** 5XX answers from the API in 3 of 5 minutes. */
  public readonly apiServerErrors: cloudwatch.Alarm;
  /** API p99 latency at 80 % of the function timeout, when the timeout is known at synth. */
  public readonly apiLatency?: cloudwatch.Alarm;
  /** Function errors (crashes, timeouts). */
  public readonly functionErrors: cloudwatch.Alarm;
  /** Function throttles (requests turned away at the concurrency cap). */
  public readonly functionThrottles: cloudwatch.Alarm;
  /** Function p99 duration at 80 % of its timeout, when the timeout is known at synth. */
  public readonly functionDuration?: cloudwatch.Alarm;
  /** Concurrent executions at 80 % of the cap, when there is one. */
  public readonly functionConcurrency?: cloudwatch.Alarm;
  /** Proxy borrow latency at a tenth of the function timeout, when the timeout is known at synth. */
  public readonly proxyBorrowLatency?: cloudwatch.Alarm;
  /** Proxy connections pinned to sessions for 15 minutes. */
  public readonly proxySessionPinning: cloudwatch.Alarm;
  /** Proxy database connections at 80 % of MaxDatabaseConnectionsAllowed. */
  public readonly proxyConnections: cloudwatch.Alarm;
  /** Failed client authentication at the proxy, sustained. */
  public readonly proxyAuthFailures: cloudwatch.Alarm;
  /** Instance CPU above the burstable baseline (or 80 %). */
  public readonly databaseCpu: cloudwatch.Alarm;
  /** Freeable memory below 20 % of the class's memory, when the class is known. */
  public readonly databaseMemory?: cloudwatch.Alarm;
  /** Free storage below 20 % of the allocated storage, when it is known at synth. */
  public readonly databaseStorage?: cloudwatch.Alarm;
  /** Instance connections at 80 % of max_connections, when it is known. */
  public readonly databaseConnections?: cloudwatch.Alarm;
  /** Errors of the secret rotation function. */
  public readonly rotationFailures?: cloudwatch.Alarm;
  /** Failed status checks of each NAT instance. */
  public readonly natInstanceStatus: cloudwatch.Alarm[];
  /** Every alarm above. */
  public readonly all: cloudwatch.Alarm[] = [];
  private readonly topic?: sns.ITopic;

  constructor(scope: Construct, id: string, props: BackendAlarmsProps) {
    super(scope, id);
    this.topic = props.topic;
    const timeout = props.functionTimeout ?? DEFAULTS.functionTimeout;
    const instanceClass = (props.instanceType ?? DEFAULTS.databaseInstanceType).toString();
    const spec = Token.isUnresolved(instanceClass) ? undefined : instanceClassSpec(instanceClass);
    // A deploy-time token has no value to derive a threshold from: that alarm is left out.
    const known = (value?: number) => (value === undefined || Token.isUnresolved(value) ? undefined : value);
    const storageGiB = known(props.allocatedStorage ?? DEFAULTS.databaseAllocatedStorage);
    const t = alarmThresholds({
      functionTimeout: timeout,
      concurrencyCap: known(props.functionConcurrencyCap),
      instanceClass: spec,
      maxConnections: known(props.maxConnections) ?? (spec ? defaultMaxConnections(spec.memoryGiB) : undefined),
      allocatedStorageGiB: storageGiB,
    });
    const specs = alarmSpecs(backendMetrics(props), t, {
      timeoutText: timeout.toHumanString(),
      instanceClass: spec?.name ?? instanceClass,
      storageGiB,
      concurrencyCap: props.functionConcurrencyCap,
    });
    this.apiServerErrors = this.alarm('ApiServerErrors', specs.apiServerErrors);
    this.apiLatency = this.optional('ApiLatency', specs.apiLatency);
    this.functionErrors = this.alarm('FunctionErrors', specs.functionErrors);
    this.functionThrottles = this.alarm('FunctionThrottles', specs.functionThrottles);
    this.functionDuration = this.optional('FunctionDuration', specs.functionDuration);
    this.functionConcurrency = this.optional('FunctionConcurrency', specs.functionConcurrency);
    this.proxyBorrowLatency = this.optional('ProxyBorrowLatency', specs.proxyBorrowLatency);
    this.proxySessionPinning = this.alarm('ProxySessionPinning', specs.proxySessionPinning);
    this.proxyConnections = this.alarm('ProxyConnections', specs.proxyConnections);
    this.proxyAuthFailures = this.alarm('ProxyAuthFailures', specs.proxyAuthFailures);
    this.databaseCpu = this.alarm('DatabaseCpu', specs.databaseCpu);
    this.databaseMemory = this.optional('DatabaseMemory', specs.databaseMemory);
    this.databaseStorage = this.optional('DatabaseStorage', specs.databaseStorage);
    this.databaseConnections = this.optional('DatabaseConnections', specs.databaseConnections);
    this.rotationFailures = this.optional('RotationFailures', specs.rotationFailures);
    this.natInstanceStatus = specs.natInstanceStatus.map((natSpec, i) => this.alarm(`NatInstance${i + 1}Status`, natSpec));
  }

  private optional(id: string, spec?: AlarmSpec): cloudwatch.Alarm | undefined {
    return spec && this.alarm(id, spec);
  }

  private alarm(id: string, spec: AlarmSpec): cloudwatch.Alarm {
    const alarm = spec.metric.createAlarm(this, id, {
      threshold: spec.threshold,
      comparisonOperator: spec.comparison,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm,
      treatMissingData: spec.missing,
      alarmDescription: spec.description,
    });
    if (this.topic) {
      alarm.addAlarmAction(new actions.SnsAction(this.topic));
      alarm.addOkAction(new actions.SnsAction(this.topic));
    }
    this.all.push(alarm);
    return alarm;
  }
}
