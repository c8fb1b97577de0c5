import { Duration, Token } from 'aws-cdk-lib';
import { InstanceClassSpec } from '../rds-limits/instance-classes';

/**
 * Every capacity alarm fires when 80 % of a limit the configuration sets is used: time against the
 * function's timeout, containers against the concurrency cap, connections against the proxy's and
 * the instance's limits, storage and memory against what the instance has. The remaining fifth is
 * the time an operator has before users see errors.
 */
export const LIMIT_SHARE = 0.8;

/**
 * A request that waits a tenth of its whole budget (the function timeout) for a pooled connection
 * is queuing behind an exhausted pool.
 */
export const BORROW_SHARE = 0.1;

/** CPU of fixed-performance classes, where queueing makes latency climb. */
export const CPU_PERCENT = 80;

export interface ThresholdInput {
  readonly functionTimeout: Duration;
  /** The concurrency cap: reserved concurrency, or the containers the proxy can serve. */
  readonly concurrencyCap?: number;
  readonly instanceClass?: InstanceClassSpec;
  readonly maxConnections?: number;
  readonly allocatedStorageGiB?: number;
}

export interface Thresholds {
  /** p99 latency of the API and duration of the function, in milliseconds. */
  readonly latencyMs?: number;
  /** Concurrent executions, when there is a cap. */
  readonly concurrency?: number;
  /** Average borrow latency of the proxy, in microseconds (the metric's unit). */
  readonly borrowLatencyMicros?: number;
  /** Proxy connections as a percentage of MaxDatabaseConnectionsAllowed. */
  readonly proxyConnectionsPercent: number;
  /** CPU utilisation: the baseline of a burstable class (above it credits drain), else 80 %. */
  readonly cpuPercent: number;
  /** Freeable memory floor in bytes, when the class is known. */
  readonly freeableMemoryBytes?: number;
  /** Free storage floor in bytes, when the allocated storage is known. */
  readonly freeStorageBytes?: number;
  /** Instance connections, when max_connections is known. */
  readonly databaseConnections?: number;
}

const GIB = 2 ** 30;

/** The alarm thresholds of a configuration. */
export function alarmThresholds(input: ThresholdInput): Thresholds {
  // A timeout known only at deploy time has no value to take a share of: those alarms are left out.
  const seconds = input.functionTimeout.toSeconds({ integral: false });
  const timeoutMs = Token.isUnresolved(seconds) ? undefined : seconds * 1000;
  const memory = input.instanceClass?.memoryGiB;
  return {
    latencyMs: timeoutMs === undefined ? undefined : Math.round(timeoutMs * LIMIT_SHARE),
    concurrency: input.concurrencyCap === undefined ? undefined : Math.max(1, Math.ceil(input.concurrencyCap * LIMIT_SHARE)),
    borrowLatencyMicros: timeoutMs === undefined ? undefined : Math.round(timeoutMs * 1000 * BORROW_SHARE),
    proxyConnectionsPercent: LIMIT_SHARE * 100,
    cpuPercent: input.instanceClass?.baselineCpuPercent ?? CPU_PERCENT,
    freeableMemoryBytes: memory === undefined ? undefined : Math.round(memory * GIB * (1 - LIMIT_SHARE)),
    freeStorageBytes: input.allocatedStorageGiB === undefined ? undefined : Math.round(input.allocatedStorageGiB * GIB * (1 - LIMIT_SHARE)),
    databaseConnections: input.maxConnections === undefined ? undefined : Math.ceil(input.maxConnections * LIMIT_SHARE),
  };
}
