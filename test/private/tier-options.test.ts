import { Duration } from 'aws-cdk-lib';
import { SecureLambdaPostgresProps } from '../../src';
import { databaseOptions, functionOptions, monitoringOptions, networkOptions, restApiOptions } from '../../src/private/tier-options';

describe('each tier gets its own props only', () => {
  const props: SecureLambdaPostgresProps = {
    maxAzs: 3,
    databaseAllocatedStorage: 30,
    databaseAppUsername: 'web',
    functionTimeout: Duration.seconds(20),
    apiStageName: 'v1',
    alarms: false,
    vpcEndpoints: true,
  };

  test.each<[string, (p: SecureLambdaPostgresProps) => object, string[]]>([
    ['network', networkOptions, ['maxAzs']],
    ['database (with its roles)', databaseOptions, ['databaseAllocatedStorage', 'databaseAppUsername']],
    ['function', functionOptions, ['functionTimeout']],
    ['REST API', restApiOptions, ['apiStageName']],
    ['monitoring', monitoringOptions, ['alarms']],
  ])('%s', (_tier, options, keys) => {
    expect(Object.keys(options(props)).sort()).toEqual(keys.sort());
  });
});
