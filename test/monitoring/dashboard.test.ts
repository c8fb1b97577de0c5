import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Egress, SecureLambdaPostgres } from '../../src';
import { ENV, synth } from '../util';

/** The dashboard body with every token rendered as `${LogicalId}` or `${LogicalId.Attr}`. */
function body(stack: Stack, dashboard: cloudwatch.Dashboard): any {
  const resource = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(dashboard.node.defaultChild as cloudwatch.CfnDashboard)];
  const parts: any[] = resource.Properties.DashboardBody['Fn::Join'][1];
  const text = parts.map(p => (typeof p === 'string' ? p
    : p.Ref ? (p.Ref.startsWith('AWS::') ? p.Ref : `\${${p.Ref}}`) : `\${${p['Fn::GetAtt'].join('.')}}`)).join('');
  return { resource, json: JSON.parse(text) };
}

describe('the dashboard', () => {
  const { stack, backend } = synth();
  const { resource, json } = body(stack, backend.dashboard!);
  const widgets: any[] = json.widgets;
  const titled = (title: string) => widgets.find(w => w.properties.title === title);
  const metricsOf = (title: string) => titled(title).properties.metrics.map((m: any[]) => m.filter(x => typeof x === 'string').slice(0, 2).join(' '));

  test('is named by CloudFormation', () => {
    expect(resource.Properties.DashboardName).toBeUndefined();
  });

  test('shows the state of every alarm first', () => {
    const status = widgets[0];
    expect(status.type).toBe('alarm');
    expect(status.properties.alarms).toHaveLength(backend.alarms!.all.length);
  });

  test('has one row per tier: API, function, proxy, database', () => {
    expect(widgets.slice(1).map(w => w.properties.title)).toEqual([
      'API requests', 'API 5XX rate', 'API latency (ms)',
      'Function invocations', 'Function duration (ms)', 'Concurrent executions',
      'Proxy connections', 'Proxy borrow latency (µs)', 'Pinned connections', 'Failed client authentication',
      'Database CPU (%)', 'Database freeable memory (bytes)', 'Database free storage (bytes)', 'Database connections',
    ]);
    const rows = [...new Set(widgets.map(w => w.y))];
    expect(rows).toHaveLength(5);
  });

  test('graphs the metrics the alarms watch, with their thresholds', () => {
    expect(metricsOf('Proxy connections')).toEqual(['AWS/RDS ClientConnections', 'AWS/RDS DatabaseConnections', 'AWS/RDS MaxDatabaseConnectionsAllowed']);
    expect(metricsOf('Proxy borrow latency (µs)')).toEqual(['AWS/RDS DatabaseConnectionsBorrowLatency']);
    expect(metricsOf('API latency (ms)')).toEqual(['AWS/ApiGateway Latency', 'AWS/ApiGateway Latency']);
    expect(titled('API latency (ms)').properties.annotations.horizontal).toEqual([expect.objectContaining({ value: 8000 })]);
    expect(titled('Database CPU (%)').properties.annotations.horizontal).toEqual([expect.objectContaining({ value: 10 })]);
    expect(titled('Database connections').properties.annotations.horizontal).toEqual([expect.objectContaining({ value: 62 })]);
  });

  test('without alarms: the graphs, no alarm widget, no annotations', () => {
    const plain = synth({ alarms: false });
    const { json: graphsOnly } = body(plain.stack, plain.backend.dashboard!);
    expect(graphsOnly.widgets.some((w: any) => w.type === 'alarm')).toBe(false);
    expect(graphsOnly.widgets.every((w: any) => !w.properties.annotations)).toBe(true);
  });

  test('NAT instances get a row of their own; dashboard: false none at all', () => {
    const nat = synth({ egress: Egress.natInstances() });
    expect(body(nat.stack, nat.backend.dashboard!).json.widgets.at(-1).properties.title).toBe('NAT instance status checks failed');
    const none = synth({ dashboard: false });
    none.template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(none.backend.dashboard).toBeUndefined();
  });
});

test('two backends in one stack and a second stack: no fixed names, distinct API names', () => {
  const app = new App();
  const one = new Stack(app, 'Dev', { env: ENV });
  const two = new Stack(app, 'Staging', { env: ENV });
  for (const [stack, id] of [[one, 'Orders'], [one, 'Billing'], [two, 'Orders']] as const) {
    new SecureLambdaPostgres(stack, id);
  }
  const resources = [one, two].flatMap(s => Object.values<any>(Template.fromStack(s).toJSON().Resources));
  const ofType = (type: string) => resources.filter(r => r.Type === type);
  for (const [type, name] of [['AWS::CloudWatch::Alarm', 'AlarmName'], ['AWS::CloudWatch::Dashboard', 'DashboardName'], ['AWS::SNS::Topic', 'TopicName']]) {
    expect(ofType(type).length).toBeGreaterThan(0);
    expect(ofType(type).filter(r => r.Properties[name] !== undefined)).toEqual([]);
  }
  const apiNames = ofType('AWS::ApiGateway::RestApi').map(r => r.Properties.Name);
  expect(new Set(apiNames).size).toBe(3);
});
