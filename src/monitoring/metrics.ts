import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as rds from 'aws-cdk-lib/aws-rds';
import { MonitoredResources } from './options';
import { isPublishedUnder, PROXY_METRICS_URL } from './proxy-dimensions';
import { invalid } from '../private/errors';

export const MINUTE = Duration.minutes(1);
export const FIVE_MINUTES = Duration.minutes(5);

/**
 * A metric of the whole proxy, statistic as RDS documents it for that metric. Only metrics AWS
 * publishes under `ProxyName` alone qualify: on any other metric the alarm would never fire.
 */
export function proxyMetric(proxy: rds.IDatabaseProxy, metricName: string, statistic: string, period = MINUTE): cloudwatch.Metric {
  const dimensionsMap = { ProxyName: proxy.dbProxyName };
  if (!isPublishedUnder(metricName, Object.keys(dimensionsMap))) {
    throw invalid(proxy, `RDS Proxy does not publish ${metricName} under ProxyName alone (${PROXY_METRICS_URL}); a metric on that dimension set has no data.`);
  }
  return new cloudwatch.Metric({ namespace: 'AWS/RDS', metricName, dimensionsMap, statistic, period });
}

/** The metrics of the request path, built once for the alarms and the dashboard. */
export function backendMetrics(resources: MonitoredResources) {
  const { apiStage: stage, function: fn, proxy, instance } = resources;
  const db = (metricName: string, statistic: string, period = FIVE_MINUTES) => instance.metric(metricName, { statistic, period });
  return {
    apiRequests: stage.metricCount({ statistic: 'Sum', period: MINUTE }),
    apiClientErrors: stage.metricClientError({ statistic: 'Sum', period: MINUTE }),
    apiServerErrors: stage.metricServerError({ statistic: 'Sum', period: MINUTE }),
    // 5XXError is 1 for a 5XX answer and 0 otherwise, so its average is the 5XX rate.
    apiServerErrorRate: stage.metricServerError({ statistic: 'Average', period: MINUTE }),
    apiLatencyP50: stage.metricLatency({ statistic: 'p50', period: MINUTE }),
    apiLatencyP99: stage.metricLatency({ statistic: 'p99', period: MINUTE }),
    functionInvocations: fn.metricInvocations({ statistic: 'Sum', period: FIVE_MINUTES }),
    functionErrors: fn.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
    functionThrottles: fn.metricThrottles({ statistic: 'Sum', period: FIVE_MINUTES }),
    functionDurationP50: fn.metricDuration({ statistic: 'p50', period: MINUTE }),
    functionDurationP99: fn.metricDuration({ statistic: 'p99', period: MINUTE }),
    functionConcurrency: fn.metric('ConcurrentExecutions', { statistic: 'Maximum', period: MINUTE }),
    proxyClientConnections: proxyMetric(proxy, 'ClientConnections', 'Sum'),
    proxyDatabaseConnections: proxyMetric(proxy, 'DatabaseConnections', 'Sum'),
    proxyMaxConnections: proxyMetric(proxy, 'MaxDatabaseConnectionsAllowed', 'Sum'),
    proxyBorrowLatency: proxyMetric(proxy, 'DatabaseConnectionsBorrowLatency', 'Average'),
    proxySessionPinned: proxyMetric(proxy, 'DatabaseConnectionsCurrentlySessionPinned', 'Sum'),
    proxyAuthFailures: proxyMetric(proxy, 'ClientConnectionsSetupFailedAuth', 'Sum', FIVE_MINUTES),
    databaseCpu: db('CPUUtilization', 'Average'),
    databaseFreeableMemory: db('FreeableMemory', 'Average'),
    databaseFreeStorage: db('FreeStorageSpace', 'Minimum'),
    databaseConnections: db('DatabaseConnections', 'Maximum', MINUTE),
    rotationErrors: rotationErrors(resources.rotationFunctionNames ?? []),
    // Status checks are published every minute at no charge, detailed monitoring or not.
    natStatus: (resources.natInstances ?? []).map(nat => new cloudwatch.Metric({
      namespace: 'AWS/EC2',
      metricName: 'StatusCheckFailed',
      dimensionsMap: { InstanceId: nat.instanceId },
      statistic: 'Maximum',
      period: MINUTE,
    })),
  };
}

/** Errors of every rotation function, summed: each secret has a function of its own. */
function rotationErrors(functionNames: string[]): cloudwatch.MathExpression | undefined {
  if (functionNames.length === 0) return undefined;
  const errors = functionNames.map((name, i) => [`rotation${i}`, new cloudwatch.Metric({
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    dimensionsMap: { FunctionName: name },
    statistic: 'Sum',
    period: FIVE_MINUTES,
  })] as const);
  // SUM([...]) adds the series that have a point at a time; `+` would be missing unless all do.
  return new cloudwatch.MathExpression({
    expression: `SUM([${errors.map(([id]) => id).join(',')}])`,
    usingMetrics: Object.fromEntries(errors),
    label: 'Rotation function errors',
    period: FIVE_MINUTES,
  });
}

export type BackendMetrics = ReturnType<typeof backendMetrics>;
