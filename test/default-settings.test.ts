import * as fs from 'fs';
import * as path from 'path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DEFAULT_POSTGRES_VERSION } from '../src/database/engine-version';
import { DEFAULTS } from '../src/private/defaults';
import { resolveProxyBorrowTimeout } from '../src/private/timeouts';

/** The README's "Default settings" table: setting → its "default" cell. */
function readmeDefaults(): Map<string, string> {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const section = /^## Default settings\n([\s\S]*?)^## /m.exec(readme);
  if (!section) throw new Error("README.md has no '## Default settings' section");
  const rows = section[1].split('\n').filter(line => line.startsWith('| ') && !line.startsWith('| setting ') && !line.startsWith('|---'));
  return new Map(rows.map(row => {
    const [setting, value] = row.split(' | ');
    return [setting.slice(2), value];
  }));
}

/** How the README writes a log retention. */
function retention(days: number): string {
  return days % 365 === 0 ? `${days / 365} year${days === 365 ? '' : 's'}` : `${days} days`;
}

describe("the README's Default settings table states the defaults the code uses", () => {
  const table = readmeDefaults();
  const row = (setting: string): string => {
    const value = table.get(setting);
    if (value === undefined) throw new Error(`no row '${setting}' in the README's Default settings table`);
    return value;
  };
  const allocated = DEFAULTS.databaseAllocatedStorage;
  const functionTimeout = DEFAULTS.functionTimeout.toSeconds();

  test.each<[string, () => string[]]>([
    ['VPC', () => [`new, ${DEFAULTS.maxAzs} AZs, \`${DEFAULTS.cidr}\``]],
    ['NAT gateways', () => [`${DEFAULTS.natGateways}`]],
    ['Egress', () => [`\`Egress.natGateways(${DEFAULTS.natGateways})\``, `\`Egress.natInstances()\` (${DEFAULTS.natInstanceType})`]],
    ['Flow logs', () => [retention(DEFAULTS.flowLogRetention)]],
    ['PostgreSQL', () => [
      `major version ${DEFAULT_POSTGRES_VERSION.postgresMajorVersion} `,
      `\`db.${DEFAULTS.databaseInstanceType}\``,
      `database \`${DEFAULTS.databaseName}\``,
      `master user \`${DEFAULTS.databaseUsername}\``,
    ]],
    ['Storage', () => [`${allocated} GiB gp3, autoscaling to ${DEFAULTS.databaseMaxAllocatedStorage(allocated)} GiB`]],
    ['Availability', () => [DEFAULTS.databaseMultiAz ? 'multi-AZ' : 'single AZ']],
    ['Backups', () => [`automated backups ${DEFAULTS.databaseBackupRetention.toDays()} days`]],
    ['Monitoring', () => [`every ${DEFAULTS.databaseMonitoringInterval.toSeconds()} s`]],
    ['Log exports', () => [retention(DEFAULTS.databaseLogRetention)]],
    ['Database roles', () => [
      `master \`${DEFAULTS.databaseUsername}\``,
      `owner \`${DEFAULTS.databaseOwnerUsername}\` (owns schema \`${DEFAULTS.databaseSchemaName}\``,
      `app \`${DEFAULTS.databaseAppUsername}\``,
    ]],
    ['Credentials', () => [`rotated every ${DEFAULTS.databaseSecretRotationInterval.toDays()} days`]],
    ['Proxy tunables', () => [
      `idle client timeout ${DEFAULTS.proxyIdleClientTimeout.toMinutes()} min`,
      `max connections ${DEFAULTS.proxyMaxConnectionsPercent} %`,
      `max idle ${DEFAULTS.proxyMaxIdleConnectionsPercent} %`,
      `borrow timeout half the function timeout (${resolveProxyBorrowTimeout(undefined).toSeconds()} s;`,
      `debug logging ${DEFAULTS.proxyDebugLogging ? 'on' : 'off'}`,
    ]],
    ['Function', () => [
      `Node.js ${/^nodejs(\d+)\.x$/.exec(DEFAULTS.functionRuntime.name)![1]}`,
      `${DEFAULTS.functionMemorySize} MiB, ${functionTimeout} s`,
      `X-Ray ${DEFAULTS.functionTracing.toLowerCase()}`,
      `JSON logs kept ${retention(DEFAULTS.functionLogRetention)}`,
    ]],
    ['API', () => [
      `stage \`${DEFAULTS.apiStageName}\``,
      `${DEFAULTS.apiThrottlingRateLimit} req/s (burst ${DEFAULTS.apiThrottlingBurstLimit})`,
      `access log ${retention(DEFAULTS.apiAccessLogRetention)}`,
    ]],
    ['Bastion', () => [`\`${DEFAULTS.bastionInstanceType}\``]],
    ['Alarms', () => [DEFAULTS.alarms ? 'on:' : 'off']],
    ['Dashboard', () => [DEFAULTS.dashboard ? 'on,' : 'off']],
    ['Connection budget', () => [`checked at synth with ${DEFAULTS.functionConnectionsPerContainer} connection per container`]],
  ])('%s', (setting, expected) => {
    for (const text of expected()) {
      expect(row(setting)).toContain(text);
    }
  });

  test('a changed default would fail it: the table is read, not assumed', () => {
    expect(row('Storage')).not.toContain(`${allocated + 1} GiB gp3`);
    expect(row('Function')).not.toContain(`${functionTimeout + 1} s`);
  });
});

/** A default as a `@default` doc writes it. */
function asDocumented(value: unknown): string {
  const enums: Array<[string, object]> = [['RemovalPolicy', RemovalPolicy], ['lambda.Tracing', lambda.Tracing]];
  if (typeof value === 'function') return String(value(0));
  if (value instanceof Duration || value instanceof ec2.InstanceType) return value.toString();
  if (value instanceof lambda.Runtime) return `lambda.Runtime.${Object.entries(lambda.Runtime).find(([, r]) => r === value)![0]}`;
  if (typeof value === 'number' && Object.values(logs.RetentionDays).includes(value) && value >= 365) {
    return `logs.RetentionDays.${logs.RetentionDays[value]}`;
  }
  for (const [name, members] of enums) {
    const member = Object.entries(members).find(([, v]) => v === value);
    if (member) return `${name}.${member[0]}`;
  }
  return typeof value === 'string' ? `'${value}'` : String(value);
}

/** The files that declare props with defaults. */
const PROPS_FILES = [
  'network.ts', 'function.ts', 'api-options.ts', 'secure-lambda-postgres-props.ts', 'database/options.ts', 'database/roles.ts',
  'capacity/options.ts', 'monitoring/options.ts', 'monitoring/alarms.ts',
].map(file => path.join(__dirname, '..', 'src', file));

/** Every `@default` line of a prop declared `readonly <prop>?:` in the props files. */
function documentedDefaults(prop: string): string[] {
  const files = PROPS_FILES;
  const declaration = new RegExp(`@default ([^\\n]*)\\n(?:\\s*\\*[^\\n]*\\n)*?\\s*\\*/\\n\\s*readonly ${prop}\\?:`, 'g');
  return files.flatMap(file => [...fs.readFileSync(file, 'utf8').matchAll(declaration)].map(m => m[1]));
}

describe('the @default docs state the defaults the code uses', () => {
  const props = Object.keys(DEFAULTS).filter(prop => documentedDefaults(prop).length > 0);

  test('every default but the NAT instance type (a parameter, not a prop) is a documented prop', () => {
    expect(Object.keys(DEFAULTS).filter(key => !props.includes(key))).toEqual(['natInstanceType']);
  });

  test('databaseEngineVersion (its default lives beside its evidence, in engine-version.ts)', () => {
    expect(documentedDefaults('databaseEngineVersion')).toEqual([
      expect.stringContaining(`rds.PostgresEngineVersion.VER_${DEFAULT_POSTGRES_VERSION.postgresMajorVersion} `),
    ]);
  });

  test.each(Object.keys(DEFAULTS).filter(key => key !== 'natInstanceType'))('%s', prop => {
    const value = (DEFAULTS as Record<string, unknown>)[prop];
    for (const doc of documentedDefaults(prop)) {
      expect(doc).toContain(asDocumented(value));
    }
  });
});
