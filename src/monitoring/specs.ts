import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { BackendMetrics } from './metrics';
import { BORROW_SHARE, LIMIT_SHARE, Thresholds } from './thresholds';

/** One alarm: what it watches, when it fires, and what it tells the operator. */
export interface AlarmSpec {
  readonly metric: cloudwatch.Metric | cloudwatch.MathExpression;
  readonly threshold: number;
  readonly comparison: cloudwatch.ComparisonOperator;
  readonly evaluationPeriods: number;
  /** @default - all `evaluationPeriods` */
  readonly datapointsToAlarm?: number;
  readonly missing: cloudwatch.TreatMissingData;
  readonly description: string;
}

export interface SpecContext {
  readonly timeoutText: string;
  readonly instanceClass: string;
  readonly storageGiB?: number;
  readonly concurrencyCap?: number;
}

const AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
const AT_MOST = cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD;
// Requests, invocations and proxy activity publish nothing while idle: no data is not a fault.
const IDLE_IS_FINE = cloudwatch.TreatMissingData.NOT_BREACHING;
// The instance publishes every minute while it runs; a gap (stop, reboot, failover) says nothing
// about its CPU, memory or storage, so the alarm keeps its state.
const GAP_IS_UNKNOWN = cloudwatch.TreatMissingData.MISSING;
const PERCENT = `${LIMIT_SHARE * 100} %`;
const FREE = `${100 - LIMIT_SHARE * 100} %`;

/** At or past the threshold in 3 of 5 periods. */
function sustained(metric: AlarmSpec['metric'], threshold: number, description: string, missing = IDLE_IS_FINE): AlarmSpec {
  return { metric, threshold, comparison: AT_LEAST, evaluationPeriods: 5, datapointsToAlarm: 3, missing, description };
}

/** At least one occurrence in each of `periods` periods. */
function occurs(metric: AlarmSpec['metric'], description: string, periods = 1): AlarmSpec {
  return { metric, threshold: 1, comparison: AT_LEAST, evaluationPeriods: periods, missing: IDLE_IS_FINE, description };
}

/** The alarms of the request path, by member name (undefined where the threshold is unknown). */
export function alarmSpecs(m: BackendMetrics, t: Thresholds, c: SpecContext) {
  return {
    apiServerErrors: { ...sustained(m.apiServerErrorRate, 0, 'The API answered 5XX in 3 of the last 5 minutes: the handler answers 5XX only when the database, a secret or Clerk is unavailable (503), the configuration is wrong (500), or the function failed or timed out (502/504).'), comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD },
    apiLatency: t.latencyMs === undefined ? undefined : sustained(m.apiLatencyP99, t.latencyMs, `API p99 latency reached ${t.latencyMs} ms, ${PERCENT} of the function timeout (${c.timeoutText}), in 3 of 5 minutes: requests are close to timing out (504).`),
    functionErrors: occurs(m.functionErrors, 'The function failed (uncaught error, out of memory or timeout) in the last 5 minutes; the handler answers expected failures itself, so any error is a fault.'),
    functionThrottles: occurs(m.functionThrottles, 'Invocations were throttled in the last 5 minutes: the function is at its concurrency cap (or the account limit) and requests are being refused.'),
    functionDuration: t.latencyMs === undefined ? undefined : sustained(m.functionDurationP99, t.latencyMs, `Function p99 duration reached ${t.latencyMs} ms, ${PERCENT} of its ${c.timeoutText} timeout, in 3 of 5 minutes.`),
    functionConcurrency: t.concurrency === undefined ? undefined : sustained(m.functionConcurrency, t.concurrency,
      `Concurrent executions reached ${t.concurrency}, ${PERCENT} of the cap of ${c.concurrencyCap} (reserved concurrency, or what the database connection budget allows), in 3 of 5 minutes.`),
    proxyBorrowLatency: t.borrowLatencyMicros === undefined ? undefined : sustained(m.proxyBorrowLatency, t.borrowLatencyMicros,
      `Clients waited on average ${t.borrowLatencyMicros / 1000} ms for a pooled connection (${BORROW_SHARE * 100} % of the ${c.timeoutText} function timeout) in 3 of 5 minutes: the pool is exhausted or the database is slow to accept connections.`),
    proxySessionPinning: { ...occurs(m.proxySessionPinned, 'Proxy connections stayed pinned to client sessions for 15 minutes: the default handler never pins, so code changes session state (SET, named prepared statements, temporary tables, advisory locks). A pinned session holds its database connection until its client disconnects, and a warm function container stays connected, so each one costs a connection of MaxConnectionsPercent: the pool runs out and clients wait ConnectionBorrowTimeout, then fail. `local serve` names the statement that pins.', 15), datapointsToAlarm: 15 },
    proxyConnections: sustained(new cloudwatch.MathExpression({
      expression: '100 * connections / allowed',
      usingMetrics: { connections: m.proxyDatabaseConnections, allowed: m.proxyMaxConnections },
      label: 'DatabaseConnections as % of MaxDatabaseConnectionsAllowed',
      period: m.proxyDatabaseConnections.period,
    }), t.proxyConnectionsPercent, `The proxy holds ${PERCENT} of the database connections it may open (DatabaseConnections / MaxDatabaseConnectionsAllowed) in 3 of 5 minutes: clients will soon wait to borrow.`),
    proxyAuthFailures: { ...occurs(m.proxyAuthFailures, 'Client connections failed authentication or TLS at the proxy in each of 15 minutes: a wrong password or IAM policy, a client without TLS, or someone guessing. A rotation causes one burst, not three periods.', 3), datapointsToAlarm: 3 },
    databaseCpu: {
      metric: m.databaseCpu,
      threshold: t.cpuPercent,
      comparison: AT_LEAST,
      evaluationPeriods: 3,
      missing: GAP_IS_UNKNOWN,
      description: `Instance CPU at or above ${t.cpuPercent} % for 15 minutes${t.cpuPercent === 80 ? '' : `: the baseline of ${c.instanceClass}, above which it spends CPU credits (and in unlimited mode pays for surplus credits)`}.`,
    },
    databaseMemory: t.freeableMemoryBytes === undefined ? undefined : {
      metric: m.databaseFreeableMemory,
      threshold: t.freeableMemoryBytes,
      comparison: AT_MOST,
      evaluationPeriods: 3,
      missing: GAP_IS_UNKNOWN,
      description: `Freeable memory at or below ${Math.round(t.freeableMemoryBytes / 2 ** 20)} MiB, ${FREE} of ${c.instanceClass}'s memory, for 15 minutes: the instance is close to swapping.`,
    },
    databaseStorage: t.freeStorageBytes === undefined ? undefined : {
      metric: m.databaseFreeStorage,
      threshold: t.freeStorageBytes,
      comparison: AT_MOST,
      evaluationPeriods: 1,
      missing: GAP_IS_UNKNOWN,
      description: `Free storage at or below ${(t.freeStorageBytes / 2 ** 30).toFixed(1)} GiB, ${FREE} of the ${c.storageGiB} GiB allocated at creation (storage autoscaling adds space below 10 % free, up to its maximum).`,
    },
    databaseConnections: t.databaseConnections === undefined ? undefined : sustained(m.databaseConnections, t.databaseConnections,
      `Instance connections reached ${t.databaseConnections}, ${PERCENT} of ${c.instanceClass}'s max_connections, in 3 of 5 minutes: new connections (proxy, rotation, bastion) will soon be refused.`, GAP_IS_UNKNOWN),
    rotationFailures: m.rotationErrors === undefined ? undefined : occurs(m.rotationErrors, 'The secret rotation function failed: a rotation step (create, set, test or finish the new password) raised. Secrets Manager retries; until one succeeds the secret keeps its pending version.'),
    natInstanceStatus: m.natStatus.map((metric): AlarmSpec => ({ ...occurs(metric, 'A NAT instance failed its status checks for 2 minutes, or stopped reporting: the application subnets behind it have no internet egress. NAT instances are not replaced automatically.', 2), missing: cloudwatch.TreatMissingData.BREACHING })),
  };
}
