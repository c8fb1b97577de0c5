import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { BackendAlarms } from './alarms';
import { backendMetrics } from './metrics';
import { MonitoredResources } from './options';

/** Properties of `BackendDashboard`. */
export interface BackendDashboardProps extends MonitoredResources {
  /**
   * The alarms to show (their states, and their thresholds on the graphs).
   *
   * @default - graphs only
   */
  readonly alarms?: BackendAlarms;
}

/**
 * A CloudWatch dashboard of the request path, one row per tier: API, function, proxy, database
 * (and NAT instances), with the alarm states on top. CloudFormation names it.
 */
export class BackendDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: BackendDashboardProps) {
    super(scope, id);
    const m = backendMetrics(props);
    const alarms = props.alarms;
    const line = (alarm?: cloudwatch.Alarm) => (alarm ? [alarm.toAnnotation()] : []);
    const graph = (title: string, left: cloudwatch.IMetric[], options: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 24 / 4, height: 6, ...options });

    this.dashboard = new cloudwatch.Dashboard(this, 'Resource');
    if (alarms) {
      this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: alarms.all, width: 24, height: 3 }));
    }
    this.dashboard.addWidgets(
      graph('API requests', [m.apiRequests], { right: [m.apiClientErrors, m.apiServerErrors], width: 8 }),
      graph('API 5XX rate', [m.apiServerErrorRate], { leftAnnotations: line(alarms?.apiServerErrors), width: 8 }),
      graph('API latency (ms)', [m.apiLatencyP50, m.apiLatencyP99], { leftAnnotations: line(alarms?.apiLatency), width: 8 }),
    );
    this.dashboard.addWidgets(
      graph('Function invocations', [m.functionInvocations], { right: [m.functionErrors, m.functionThrottles], width: 8 }),
      graph('Function duration (ms)', [m.functionDurationP50, m.functionDurationP99], { leftAnnotations: line(alarms?.functionDuration), width: 8 }),
      graph('Concurrent executions', [m.functionConcurrency], { leftAnnotations: line(alarms?.functionConcurrency), width: 8 }),
    );
    this.dashboard.addWidgets(
      graph('Proxy connections', [m.proxyClientConnections, m.proxyDatabaseConnections, m.proxyMaxConnections]),
      graph('Proxy borrow latency (µs)', [m.proxyBorrowLatency], { leftAnnotations: line(alarms?.proxyBorrowLatency) }),
      graph('Pinned connections', [m.proxySessionPinned], { leftAnnotations: line(alarms?.proxySessionPinning) }),
      graph('Failed client authentication', [m.proxyAuthFailures], { leftAnnotations: line(alarms?.proxyAuthFailures) }),
    );
    this.dashboard.addWidgets(
      graph('Database CPU (%)', [m.databaseCpu], { leftAnnotations: line(alarms?.databaseCpu) }),
      graph('Database freeable memory (bytes)', [m.databaseFreeableMemory], { leftAnnotations: line(alarms?.databaseMemory) }),
      graph('Database free storage (bytes)', [m.databaseFreeStorage], { leftAnnotations: line(alarms?.databaseStorage) }),
      graph('Database connections', [m.databaseConnections], { leftAnnotations: line(alarms?.databaseConnections) }),
    );
    if (m.natStatus.length > 0) {
      this.dashboard.addWidgets(graph('NAT instance status checks failed', m.natStatus, { width: 24 }));
    }
  }
}
