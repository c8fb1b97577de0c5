// Which stateful resources a deployment of NEW over OLD would replace or remove, from the two
// templates and the create-only properties of the CloudFormation resource schemas (as the build
// extracts them from @aws-cdk/aws-service-spec): the construct's own templates, and small ones.
import * as fs from 'fs';
import * as path from 'path';
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import { synthApp, tempDir } from './helpers';
import { loadStacks } from '../../src/assembly/manifest';
import { createOnlySpec } from '../../src/local/assembly/create-only';
import { DeployedTemplate, describeChange, statefulChanges } from '../../src/local/assembly/replacements';

jest.setTimeout(60_000);

const spec = createOnlySpec();
const template = (resources: DeployedTemplate['Resources']): DeployedTemplate => ({ Resources: resources });

let root: string;
afterAll(() => root && fs.rmSync(root, { recursive: true, force: true }));

describe('the extracted create-only properties', () => {
  const db = loadAwsServiceSpecSync();
  const schema = (type: string) => db.lookup('resource', 'cloudFormationType', 'equals', type).only();

  test('are what the resource schemas mark as causing replacement', () => {
    for (const type of ['AWS::RDS::DBInstance', 'AWS::SecretsManager::Secret', 'AWS::Logs::LogGroup', 'AWS::Backup::BackupVault']) {
      const replacing = Object.entries(schema(type).properties).filter(([, p]) => p.causesReplacement === 'yes').map(([name]) => name);
      expect(replacing.length).toBeGreaterThan(0);
      expect(spec.types[type].replaces).toEqual(expect.arrayContaining(replacing));
    }
    expect(spec.types['AWS::RDS::DBInstance'].replaces).toEqual(expect.arrayContaining(['DBName', 'DBInstanceIdentifier']));
  });

  test('the schemas mark every resource type the rehearsal must guard as stateful', () => {
    for (const type of ['AWS::RDS::DBInstance', 'AWS::SecretsManager::Secret', 'AWS::KMS::Key', 'AWS::Logs::LogGroup', 'AWS::Backup::BackupVault']) {
      expect([type, schema(type).isStateful]).toEqual([type, true]);
      expect(spec.stateful).toContain(type);
    }
  });
});

describe('the construct\'s templates', () => {
  const synth = (name: string, props: Parameters<typeof synthApp>[1]) => loadStacks(synthApp(path.join(root, name), props))[0].template;

  test('a new databaseName replaces the instance; an unchanged app replaces nothing', () => {
    root = tempDir('replacements');
    const old = synth('old', {});
    expect(statefulChanges(old, synth('same', {}), spec)).toEqual([]);
    const changes = statefulChanges(old, synth('renamed', { databaseName: 'orders' }), spec);
    const instance = Object.entries(old.Resources!).find(([, r]) => r.Type === 'AWS::RDS::DBInstance')![0];
    expect(changes).toEqual([{ logicalId: instance, type: 'AWS::RDS::DBInstance', kind: 'replaced', properties: ['DBName'], stateful: expect.stringMatching(/^(DeletionPolicy|UpdateReplacePolicy) (Retain|Snapshot)$|^stateful type$/) }]);
    expect(describeChange(changes[0])).toMatch(new RegExp(`^${instance} \\(AWS::RDS::DBInstance, .*\\): replaced: create-only DBName changed$`));
  });
});

describe('small templates', () => {
  const secret = (name: string, policy?: string) => ({ Type: 'AWS::SecretsManager::Secret', Properties: { Name: name, Description: 'x' }, DeletionPolicy: policy });

  test('a secret whose Name changes is replaced; its Description is updated in place', () => {
    const old = template({ Secret: secret('app/db') });
    expect(statefulChanges(old, template({ Secret: { ...secret('app/db'), Properties: { Name: 'app/db', Description: 'y' } } }), spec)).toEqual([]);
    expect(statefulChanges(old, template({ Secret: secret('app/db2') }), spec)).toEqual([
      { logicalId: 'Secret', type: 'AWS::SecretsManager::Secret', kind: 'replaced', properties: ['Name'], stateful: 'stateful type' },
    ]);
  });

  test('a create-only property set in NEW only, or left out of it, is a change', () => {
    const instance = (props: Record<string, unknown>) => ({ Type: 'AWS::RDS::DBInstance', Properties: { Engine: 'postgres', ...props } });
    expect(statefulChanges(template({ Db: instance({}) }), template({ Db: instance({ DBInstanceIdentifier: 'prod-db' }) }), spec))
      .toMatchObject([{ kind: 'replaced', properties: ['DBInstanceIdentifier'] }]);
    expect(statefulChanges(template({ Db: instance({ Port: '5432' }) }), template({ Db: instance({}) }), spec))
      .toMatchObject([{ kind: 'replaced', properties: ['Port'] }]);
  });

  test('a changed type, a removed logical id and a property the schema says may replace', () => {
    const old = template({ Secret: secret('a'), Logs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 7 } }, Db: { Type: 'AWS::RDS::DBInstance', Properties: { MultiAZ: false } } });
    const next = template({ Secret: { Type: 'AWS::SSM::Parameter', Properties: { Name: 'a' } }, Db: { Type: 'AWS::RDS::DBInstance', Properties: { MultiAZ: true } } });
    expect(spec.types['AWS::RDS::DBInstance'].mayReplace).toContain('MultiAZ');
    expect(statefulChanges(old, next, spec)).toEqual([
      { logicalId: 'Secret', type: 'AWS::SecretsManager::Secret', kind: 'replaced', properties: ['Type'], stateful: 'stateful type' },
      { logicalId: 'Logs', type: 'AWS::Logs::LogGroup', kind: 'removed', properties: [], stateful: 'stateful type' },
      { logicalId: 'Db', type: 'AWS::RDS::DBInstance', kind: 'may-replace', properties: ['MultiAZ'], stateful: 'stateful type' },
    ]);
  });

  test('any type is stateful with a Retain or Snapshot policy, in either template; nested create-only paths count', () => {
    expect(spec.stateful).not.toContain('AWS::EC2::VPC');
    const vpc = (cidr: string, policy?: string) => ({ Type: 'AWS::EC2::VPC', Properties: { CidrBlock: cidr }, DeletionPolicy: policy });
    expect(statefulChanges(template({ Vpc: vpc('10.0.0.0/16') }), template({ Vpc: vpc('10.1.0.0/16') }), spec)).toEqual([]);
    expect(statefulChanges(template({ Vpc: vpc('10.0.0.0/16') }), template({ Vpc: vpc('10.1.0.0/16', 'Retain') }), spec))
      .toEqual([{ logicalId: 'Vpc', type: 'AWS::EC2::VPC', kind: 'replaced', properties: ['CidrBlock'], stateful: 'DeletionPolicy Retain' }]);
    // A create-only property inside a list of structures, of any stateful type the schemas give one.
    const nested = Object.entries(spec.types).find(([type, p]) => spec.stateful.includes(type) && p.replaces.some((r) => /^\w+\.\w+$/.test(r)))!;
    const [type, props] = nested;
    const [outer, inner] = props.replaces.find((r) => /^\w+\.\w+$/.test(r))!.split('.');
    const resource = (value: string) => ({ Type: type, Properties: { [outer]: [{ [inner]: value }] } });
    expect(statefulChanges(template({ R: resource('a') }), template({ R: resource('b') }), spec)).toMatchObject([{ kind: 'replaced', properties: [`${outer}.${inner}`] }]);
  });
});
