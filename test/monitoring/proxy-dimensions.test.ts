import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { synth } from '../util';
import { proxyMetric } from '../../src/monitoring/metrics';
import { isPublishedUnder, PROXY_DIMENSION_NAMES, PROXY_METRIC_DIMENSIONS } from '../../src/monitoring/proxy-dimensions';

/** One metric the template watches or graphs: where, which metric, under which dimension names. */
interface Watched {
  readonly where: string;
  readonly metricName: string;
  readonly dimensions: string[];
}

/** Every AWS/RDS metric carrying a proxy dimension, in the alarms and in the dashboards' graphs. */
function proxyMetricsIn(template: Template): { alarms: Watched[]; dashboards: Watched[] } {
  const isProxy = (namespace: unknown, dimensions: string[]) =>
    namespace === 'AWS/RDS' && dimensions.some(name => PROXY_DIMENSION_NAMES.includes(name));
  const alarms = Object.entries<any>(template.findResources('AWS::CloudWatch::Alarm')).flatMap(([id, alarm]) => {
    const p = alarm.Properties;
    const metrics: any[] = p.Metrics ? p.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric) : [p];
    return metrics.map(m => ({
      where: id, namespace: m.Namespace, metricName: m.MetricName, dimensions: (m.Dimensions ?? []).map((d: any) => d.Name),
    }));
  });
  const dashboards = Object.entries<any>(template.findResources('AWS::CloudWatch::Dashboard')).flatMap(([id, dashboard]) => {
    // Every token of the body stands inside a JSON string; any text keeps the JSON valid.
    const body = JSON.parse(dashboard.Properties.DashboardBody['Fn::Join'][1].map((p: unknown) => (typeof p === 'string' ? p : 'token')).join(''));
    return body.widgets.flatMap((widget: any) => (widget.properties.metrics ?? [])
      .filter((line: unknown[]) => typeof line[0] === 'string')
      .map((line: unknown[]) => {
        const dimensions: string[] = [];
        for (let i = 2; i + 1 < line.length && typeof line[i] === 'string'; i += 2) dimensions.push(line[i] as string);
        return { where: `${id} "${widget.properties.title}"`, namespace: line[0], metricName: line[1] as string, dimensions };
      }));
  });
  const proxyOnly = (watched: Array<Watched & { namespace: unknown }>) =>
    watched.filter(w => isProxy(w.namespace, w.dimensions)).map(({ where, metricName, dimensions }) => ({ where, metricName, dimensions }));
  return { alarms: proxyOnly(alarms), dashboards: proxyOnly(dashboards) };
}

const undocumented = (watched: Watched[]) => watched.filter(w => !isPublishedUnder(w.metricName, w.dimensions));

describe('proxy metrics of the alarms and the dashboard', () => {
  const { template } = synth();
  const { alarms, dashboards } = proxyMetricsIn(template);

  test('are the ones the alarms and graphs are built on', () => {
    expect(new Set(alarms.map(w => w.metricName))).toEqual(new Set([
      'DatabaseConnectionsBorrowLatency', 'DatabaseConnectionsCurrentlySessionPinned', 'DatabaseConnections',
      'MaxDatabaseConnectionsAllowed', 'ClientConnectionsSetupFailedAuth',
    ]));
    expect(new Set(dashboards.map(w => w.metricName))).toEqual(new Set([
      'ClientConnections', 'DatabaseConnections', 'MaxDatabaseConnectionsAllowed',
      'DatabaseConnectionsBorrowLatency', 'DatabaseConnectionsCurrentlySessionPinned', 'ClientConnectionsSetupFailedAuth',
    ]));
  });

  test('each use a dimension set AWS publishes that metric under', () => {
    expect(undocumented([...alarms, ...dashboards])).toEqual([]);
  });
});

describe('the check', () => {
  test('finds an alarm on a dimension set the metric is not published under', () => {
    const stack = new Stack(new App(), 'Wrong');
    const wrong = (id: string, metricName: string, dimensionsMap: Record<string, string>) => new cloudwatch.Alarm(stack, id, {
      metric: new cloudwatch.Metric({ namespace: 'AWS/RDS', metricName, dimensionsMap, period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
    });
    wrong('AvailabilityPerProxy', 'AvailabilityPercentage', { ProxyName: 'p' });
    wrong('BorrowLatencyPerTarget', 'DatabaseConnectionsBorrowLatency', { ProxyName: 'p', TargetGroup: 'default', Target: 'db:x' });
    wrong('ClientConnectionsPerTarget', 'ClientConnections', { ProxyName: 'p', TargetGroup: 'default', Target: 'db:x' });
    const found = undocumented(proxyMetricsIn(Template.fromStack(stack)).alarms).map(w => `${w.where} ${w.metricName}`);
    expect(found.sort()).toEqual([
      expect.stringMatching(/^AvailabilityPerProxy\w* AvailabilityPercentage$/),
      expect.stringMatching(/^BorrowLatencyPerTarget\w* DatabaseConnectionsBorrowLatency$/),
      expect.stringMatching(/^ClientConnectionsPerTarget\w* ClientConnections$/),
    ]);
  });

  test('reads the table: sets in any order, unknown metrics never published', () => {
    expect(isPublishedUnder('ClientConnections', ['EndpointName', 'ProxyName'])).toBe(true);
    expect(isPublishedUnder('AvailabilityPercentage', ['ProxyName', 'TargetGroup', 'TargetRole'])).toBe(true);
    expect(isPublishedUnder('AvailabilityPercentage', ['ProxyName'])).toBe(false);
    expect(isPublishedUnder('NoSuchMetric', ['ProxyName'])).toBe(false);
    expect(Object.keys(PROXY_METRIC_DIMENSIONS)).toHaveLength(27);
  });

  test('proxyMetric refuses a metric not published under ProxyName alone', () => {
    const { backend } = synth();
    expect(() => proxyMetric(backend.proxy, 'AvailabilityPercentage', 'Average')).toThrow(
      'RDS Proxy does not publish AvailabilityPercentage under ProxyName alone (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.monitoring.html); a metric on that dimension set has no data.');
    expect(proxyMetric(backend.proxy, 'QueryRequests', 'Sum')).toBeInstanceOf(cloudwatch.Metric);
    expect(Stack.of(backend).resolve(proxyMetric(backend.proxy, 'QueryRequests', 'Sum').dimensions)).toEqual({ ProxyName: expect.anything() });
  });
});
