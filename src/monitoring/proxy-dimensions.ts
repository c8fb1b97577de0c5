/**
 * "Monitoring RDS Proxy metrics with Amazon CloudWatch": the table of every proxy metric with the
 * dimension sets it is published under. CloudWatch matches a metric by its exact dimension set, so
 * an alarm on a set the metric is not published under has no data and never fires. Read on
 * 2026-12-02.
 */
export const PROXY_METRICS_URL = 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.monitoring.html';

/** Dimension set 1 of the page. */
const PROXY = ['ProxyName'];
/** Dimension set 2: per proxy endpoint (`default` for the read/write endpoint). */
const ENDPOINT = ['ProxyName', 'EndpointName'];
/** Dimension set 3: per target database. */
const TARGET = ['ProxyName', 'TargetGroup', 'Target'];
/** Dimension set 4: per role, read/write or read-only. */
const ROLE = ['ProxyName', 'TargetGroup', 'TargetRole'];

const CLIENT_SIDE = [PROXY, ENDPOINT];
const DATABASE_SIDE = [PROXY, TARGET, ROLE];

/** Each metric of the page with the dimension sets its "CloudWatch dimension set" column names. */
export const PROXY_METRIC_DIMENSIONS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  AvailabilityPercentage: [ROLE],
  ClientConnections: CLIENT_SIDE,
  ClientConnectionsClosed: CLIENT_SIDE,
  ClientConnectionsInSetup: CLIENT_SIDE,
  ClientConnectionsNoTLS: CLIENT_SIDE,
  ClientConnectionsReceived: CLIENT_SIDE,
  ClientConnectionsSetupFailedAuth: CLIENT_SIDE,
  ClientConnectionsSetupSucceeded: CLIENT_SIDE,
  ClientConnectionsTLS: CLIENT_SIDE,
  DatabaseConnectionRequests: DATABASE_SIDE,
  DatabaseConnectionRequestsWithTLS: DATABASE_SIDE,
  DatabaseConnections: DATABASE_SIDE,
  DatabaseConnectionsBorrowLatency: CLIENT_SIDE,
  DatabaseConnectionsBorrowRequests: [ROLE],
  DatabaseConnectionsBorrowRequestsAborted: [ROLE],
  DatabaseConnectionsCurrentlyBorrowed: DATABASE_SIDE,
  DatabaseConnectionsCurrentlyInTransaction: DATABASE_SIDE,
  DatabaseConnectionsCurrentlySessionPinned: DATABASE_SIDE,
  DatabaseConnectionsSetupFailed: DATABASE_SIDE,
  DatabaseConnectionsSetupSucceeded: DATABASE_SIDE,
  DatabaseConnectionsWithTLS: DATABASE_SIDE,
  MaxDatabaseConnectionsAllowed: DATABASE_SIDE,
  QueryDatabaseResponseLatency: [PROXY, ENDPOINT, TARGET, ROLE],
  QueryRequests: CLIENT_SIDE,
  QueryRequestsNoTLS: CLIENT_SIDE,
  QueryRequestsTLS: CLIENT_SIDE,
  QueryResponseLatency: CLIENT_SIDE,
};

/** The dimension names only proxy metrics carry in AWS/RDS. */
export const PROXY_DIMENSION_NAMES: readonly string[] = ['ProxyName', 'EndpointName', 'TargetGroup', 'Target', 'TargetRole'];

/** Whether AWS documents `metricName` under exactly the dimensions `dimensionNames`. */
export function isPublishedUnder(metricName: string, dimensionNames: readonly string[]): boolean {
  const key = (names: readonly string[]) => [...names].sort().join(',');
  return (PROXY_METRIC_DIMENSIONS[metricName] ?? []).some(set => key(set) === key(dimensionNames));
}
