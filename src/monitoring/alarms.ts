import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { backendMetrics, BackendMetrics } from './metrics';
import { MonitoredResources } from './options';
import { alarmThresholds, BORROW_SHARE, LIMIT_SHARE, Thresholds } from './thresholds';
import { defaultMaxConnections } from '../capacity/budget';
import { instanceClassSpec } from '../capacity/instance-classes';

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

interface AlarmSpec {
  readonly metric: cloudwatch.Metric | cloudwatch.MathExpression;
  readonly threshold: number;
  readonly comparison: cloudwatch.ComparisonOperator;
  readonly evaluationPeriods: number;
  /** @default - all `evaluationPeriods` */
  readonly datapointsToAlarm?: number;
  readonly missing: cloudwatch.TreatMissingData;
  readonly description: string;
}

const ABOVE = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;
const AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
const AT_MOST = cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD;
// Requests, invocations and proxy activity publish nothing while idle: no data is not a fault.
const IDLE_IS_FINE = cloudwatch.TreatMissingData.NOT_BREACHING;
// The instance publishes every minute while it runs; a gap (stop, reboot, failover) says nothing
// about its CPU, memory or storage, so the alarm keeps its state.
const GAP_IS_UNKNOWN = cloudwatch.TreatMissingData.MISSING;
const PERCENT = `${LIMIT_SHARE * 100} %`;

/**
 * CloudWatch alarms over API → function → RDS Proxy → PostgreSQL, with thresholds derived from
 * the configuration (see `thresholds.ts`), each a member. CloudFormation names them.
 */
export class BackendAlarms extends Construct {
  /** 5XX answers from the API in 3 of 5 minutes. */
  public readonly apiServerErrors: cloudwatch.Alarm;
  /** API p99 latency at 80 % of the function timeout. */
  public readonly apiLatency: cloudwatch.Alarm;
  /** Function errors (crashes, timeouts). */
  public readonly functionErrors: cloudwatch.Alarm;
  /** Function throttles (requests turned away at the concurrency cap). */
  public readonly functionThrottles: cloudwatch.Alarm;
  /** Function p99 duration at 80 % of its timeout. */
  public readonly functionDuration: cloudwatch.Alarm;
  /** Concurrent executions at 80 % of the cap, when there is one. */
  public readonly functionConcurrency?: cloudwatch.Alarm;
  /** Proxy borrow latency at a tenth of the function timeout. */
  public readonly proxyBorrowLatency: cloudwatch.Alarm;
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
    const timeout = props.functionTimeout ?? Duration.seconds(10);
    const instanceClass = (props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO)).toString();
    const spec = Token.isUnresolved(instanceClass) ? undefined : instanceClassSpec(instanceClass);
    // A deploy-time token has no value to derive a threshold from: that alarm is left out.
    const known = (value?: number) => (value === undefined || Token.isUnresolved(value) ? undefined : value);
    const storageGiB = known(props.allocatedStorage ?? 20);
    const t = alarmThresholds({
      functionTimeout: timeout,
      concurrencyCap: known(props.functionConcurrencyCap),
      instanceClass: spec,
      maxConnections: known(props.maxConnections) ?? (spec ? defaultMaxConnections(spec.memoryGiB) : undefined),
      allocatedStorageGiB: storageGiB,
    });
    const m = backendMetrics(props);
    const timeoutText = timeout.toHumanString();

    this.apiServerErrors = this.alarm('ApiServerErrors', {
      metric: m.apiServerErrorRate,
      threshold: 0,
      comparison: ABOVE,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      missing: IDLE_IS_FINE,
      description: 'The API answered 5XX in 3 of the last 5 minutes: the handler answers 5XX only when the database, a secret or Clerk is unavailable (503), the configuration is wrong (500), or the function failed or timed out (502/504).',
    });
    this.apiLatency = this.alarm('ApiLatency', {
      metric: m.apiLatencyP99,
      threshold: t.latencyMs,
      comparison: AT_LEAST,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      missing: IDLE_IS_FINE,
      description: `API p99 latency reached ${t.latencyMs} ms, ${PERCENT} of the function timeout (${timeoutText}), in 3 of 5 minutes: requests are close to timing out (504).`,
    });
    this.functionErrors = this.alarm('FunctionErrors', {
      metric: m.functionErrors,
      threshold: 1,
      comparison: AT_LEAST,
      evaluationPeriods: 1,
      missing: IDLE_IS_FINE,
      description: 'The function failed (uncaught error, out of memory or timeout) in the last 5 minutes; the handler answers expected failures itself, so any error is a fault.',
    });
    this.functionThrottles = this.alarm('FunctionThrottles', {
      metric: m.functionThrottles,
      threshold: 1,
      comparison: AT_LEAST,
      evaluationPeriods: 1,
      missing: IDLE_IS_FINE,
      description: 'Invocations were throttled in the last 5 minutes: the function is at its concurrency cap (or the account limit) and requests are being refused.',
    });
    this.functionDuration = this.alarm('FunctionDuration', {
      metric: m.functionDurationP99,
      threshold: t.latencyMs,
      comparison: AT_LEAST,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      missing: IDLE_IS_FINE,
      description: `Function p99 duration reached ${t.latencyMs} ms, ${PERCENT} of its ${timeoutText} timeout, in 3 of 5 minutes.`,
    });
    if (t.concurrency !== undefined) {
      this.functionConcurrency = this.alarm('FunctionConcurrency', {
        metric: m.functionConcurrency,
        threshold: t.concurrency,
        comparison: AT_LEAST,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        missing: IDLE_IS_FINE,
        description: `Concurrent executions reached ${t.concurrency}, ${PERCENT} of the cap of ${props.functionConcurrencyCap} (reserved concurrency, or what the database connection budget allows), in 3 of 5 minutes.`,
      });
    }
    const proxy = this.proxyAlarms(m, t, timeoutText);
    this.proxyBorrowLatency = proxy.borrowLatency;
    this.proxySessionPinning = proxy.sessionPinning;
    this.proxyConnections = proxy.connections;
    this.proxyAuthFailures = proxy.authFailures;
    const database = this.databaseAlarms(m, t, spec?.name ?? instanceClass, storageGiB);
    this.databaseCpu = database.cpu;
    this.databaseMemory = database.memory;
    this.databaseStorage = database.storage;
    this.databaseConnections = database.connections;
    if (m.rotationErrors) {
      this.rotationFailures = this.alarm('RotationFailures', {
        metric: m.rotationErrors,
        threshold: 1,
        comparison: AT_LEAST,
        evaluationPeriods: 1,
        missing: IDLE_IS_FINE,
        description: 'The secret rotation function failed: a rotation step (create, set, test or finish the new password) raised. Secrets Manager retries; until one succeeds the secret keeps its pending version.',
      });
    }
    this.natInstanceStatus = m.natStatus.map((metric, i) => this.alarm(`NatInstance${i + 1}Status`, {
      metric,
      threshold: 1,
      comparison: AT_LEAST,
      evaluationPeriods: 2,
      missing: cloudwatch.TreatMissingData.BREACHING,
      description: 'A NAT instance failed its status checks for 2 minutes, or stopped reporting: the application subnets behind it have no internet egress. NAT instances are not replaced automatically.',
    }));
  }

  private proxyAlarms(m: BackendMetrics, t: Thresholds, timeoutText: string) {
    const borrowLatency = this.alarm('ProxyBorrowLatency', {
      metric: m.proxyBorrowLatency,
      threshold: t.borrowLatencyMicros,
      comparison: AT_LEAST,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      missing: IDLE_IS_FINE,
      description: `Clients waited on average ${t.borrowLatencyMicros / 1000} ms for a pooled connection (${BORROW_SHARE * 100} % of the ${timeoutText} function timeout) in 3 of 5 minutes: the pool is exhausted or the database is slow to accept connections.`,
    });
    const sessionPinning = this.alarm('ProxySessionPinning', {
      metric: m.proxySessionPinned,
      threshold: 1,
      comparison: AT_LEAST,
      evaluationPeriods: 15,
      datapointsToAlarm: 15,
      missing: IDLE_IS_FINE,
      description: 'Proxy connections stayed pinned to client sessions for 15 minutes: the default handler never pins, so code is changing session state (SET, named prepared statements, temporary tables, advisory locks) and multiplexing is lost for those connections.',
    });
    const connections = this.alarm('ProxyConnections', {
      metric: new cloudwatch.MathExpression({
        expression: '100 * connections / allowed',
        usingMetrics: { connections: m.proxyDatabaseConnections, allowed: m.proxyMaxConnections },
        label: 'DatabaseConnections as % of MaxDatabaseConnectionsAllowed',
        period: m.proxyDatabaseConnections.period,
      }),
      threshold: t.proxyConnectionsPercent,
      comparison: AT_LEAST,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      missing: IDLE_IS_FINE,
      description: `The proxy holds ${PERCENT} of the database connections it may open (DatabaseConnections / MaxDatabaseConnectionsAllowed) in 3 of 5 minutes: clients will soon wait to borrow.`,
    });
    const authFailures = this.alarm('ProxyAuthFailures', {
      metric: m.proxyAuthFailures,
      threshold: 1,
      comparison: AT_LEAST,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      missing: IDLE_IS_FINE,
      description: 'Client connections failed authentication or TLS at the proxy in each of 15 minutes: a wrong password or IAM policy, a client without TLS, or someone guessing. A rotation causes one burst, not three periods.',
    });
    return { borrowLatency, sessionPinning, connections, authFailures };
  }

  private databaseAlarms(m: BackendMetrics, t: Thresholds, instanceClass: string, storageGiB?: number) {
    const cpu = this.alarm('DatabaseCpu', {
      metric: m.databaseCpu,
      threshold: t.cpuPercent,
      comparison: AT_LEAST,
      evaluationPeriods: 3,
      missing: GAP_IS_UNKNOWN,
      description: `Instance CPU at or above ${t.cpuPercent} % for 15 minutes${t.cpuPercent === 80 ? '' : `: the baseline of ${instanceClass}, above which it spends CPU credits (and in unlimited mode pays for surplus credits)`}.`,
    });
    const memory = t.freeableMemoryBytes === undefined ? undefined : this.alarm('DatabaseMemory', {
      metric: m.databaseFreeableMemory,
      threshold: t.freeableMemoryBytes!,
      comparison: AT_MOST,
      evaluationPeriods: 3,
      missing: GAP_IS_UNKNOWN,
      description: `Freeable memory at or below ${Math.round(t.freeableMemoryBytes / 2 ** 20)} MiB, ${100 - LIMIT_SHARE * 100} % of ${instanceClass}'s memory, for 15 minutes: the instance is close to swapping.`,
    });
    const storage = t.freeStorageBytes === undefined ? undefined : this.alarm('DatabaseStorage', {
      metric: m.databaseFreeStorage,
      threshold: t.freeStorageBytes,
      comparison: AT_MOST,
      evaluationPeriods: 1,
      missing: GAP_IS_UNKNOWN,
      description: `Free storage at or below ${(t.freeStorageBytes / 2 ** 30).toFixed(1)} GiB, ${100 - LIMIT_SHARE * 100} % of the ${storageGiB} GiB allocated at creation (storage autoscaling adds space below 10 % free, up to its maximum).`,
    });
    const connections = t.databaseConnections === undefined ? undefined : this.alarm('DatabaseConnections', {
      metric: m.databaseConnections,
      threshold: t.databaseConnections!,
      comparison: AT_LEAST,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      missing: GAP_IS_UNKNOWN,
      description: `Instance connections reached ${t.databaseConnections}, ${PERCENT} of ${instanceClass}'s max_connections, in 3 of 5 minutes: new connections (proxy, rotation, bastion) will soon be refused.`,
    });
    return { cpu, memory, storage, connections };
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
