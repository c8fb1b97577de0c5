import { App, Lazy, Stack } from 'aws-cdk-lib';
import * as rds from 'aws-cdk-lib/aws-rds';
import { synth } from '../util';
import {
  DEFAULT_CLASS_POSTGRES_MAJORS, DEFAULT_POSTGRES_VERSION, PROXY_POSTGRES_MAJORS, proxySupportedEngineVersion,
} from '../../src/database/engine-version';

const newestOfBoth = Math.max(...PROXY_POSTGRES_MAJORS.filter(major => DEFAULT_CLASS_POSTGRES_MAJORS.includes(major)));

describe('the default engine version', () => {
  const { template } = synth();

  test('is the newest major AWS documents for both RDS Proxy and the default class, db.t4g.micro', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', { EngineVersion: String(newestOfBoth), DBInstanceClass: 'db.t4g.micro' });
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', { Family: `postgres${newestOfBoth}` });
    template.hasResourceProperties('AWS::RDS::DBProxy', { EngineFamily: 'POSTGRESQL' });
    expect(DEFAULT_POSTGRES_VERSION.postgresMajorVersion).toBe(String(newestOfBoth));
  });
});

describe('an engine version RDS Proxy does not support', () => {
  test('fails at synth naming the version, the supported majors and the page', () => {
    expect(() => synth({ databaseEngineVersion: rds.PostgresEngineVersion.of('9.6.24', '9.6') })).toThrow(
      'databaseEngineVersion 9.6.24 is PostgreSQL 9.6, which RDS Proxy does not support: AWS lists RDS Proxy for RDS for '
      + 'PostgreSQL 10, 11, 12, 13, 14, 15, 16, 17, 18 '
      + '(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.RDS_Fea_Regions_DB-eng.Feature.RDSProxy.html). '
      + 'Choose one of those majors, for example rds.PostgresEngineVersion.VER_18.');
  });
});

describe('engine versions that pass', () => {
  test('an older major RDS Proxy supports synthesizes with its own engine and parameter group family', () => {
    const { template } = synth({ databaseEngineVersion: rds.PostgresEngineVersion.VER_15 });
    template.hasResourceProperties('AWS::RDS::DBInstance', { EngineVersion: '15' });
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', { Family: 'postgres15' });
  });

  test('18, which RDS Proxy supports, is accepted when asked for', () => {
    const { template } = synth({ databaseEngineVersion: rds.PostgresEngineVersion.VER_18_3 });
    template.hasResourceProperties('AWS::RDS::DBInstance', { EngineVersion: '18.3' });
  });

  test('a major newer than the page lists, and a token, are not judged', () => {
    const newer = rds.PostgresEngineVersion.of('19.1', '19');
    const token = rds.PostgresEngineVersion.of('16.4', Lazy.string({ produce: () => '16' }));
    const scope = new Stack(new App(), 'Versions');
    expect(proxySupportedEngineVersion(scope, newer)).toBe(newer);
    expect(proxySupportedEngineVersion(scope, token)).toBe(token);
  });
});
