import { RestApiOptions } from '../api-options';
import { SecureDatabaseOptions } from '../database';
import { DatabaseFunctionOptions } from '../function';
import { MonitoringOptions } from '../monitoring';
import { SecureNetworkOptions } from '../network';

/**
 * The props of one options interface: a record of all its keys, so that the compiler rejects the
 * list when a prop is added to the interface and not here.
 */
type Keys<T> = Record<keyof T, true>;

/** What `T` declares of `props`, and nothing else. */
function pick<T extends object>(props: T, keys: Keys<T>): T {
  const picked: Partial<T> = {};
  for (const key of Object.keys(keys) as Array<keyof T>) {
    if (props[key] !== undefined) picked[key] = props[key];
  }
  return picked as T;
}

const NETWORK: Keys<SecureNetworkOptions> = {
  vpc: true,
  applicationSubnets: true,
  databaseSubnets: true,
  maxAzs: true,
  egress: true,
  natGateways: true,
  cidr: true,
  flowLogRetention: true,
};

const DATABASE: Keys<SecureDatabaseOptions> = {
  databaseEngineVersion: true,
  databaseInstanceType: true,
  databaseName: true,
  databaseUsername: true,
  databaseAllocatedStorage: true,
  databaseMaxAllocatedStorage: true,
  databaseMultiAz: true,
  databaseBackupRetention: true,
  databaseBackupPlan: true,
  databaseMonitoringInterval: true,
  databaseDeletionProtection: true,
  databaseRemovalPolicy: true,
  databaseLogRetention: true,
  databaseAuthentication: true,
  databaseSecretRotation: true,
  databaseSecretRotationInterval: true,
  proxyIdleClientTimeout: true,
  proxyMaxConnectionsPercent: true,
  proxyMaxIdleConnectionsPercent: true,
  proxyBorrowTimeout: true,
  proxyDebugLogging: true,
  databaseAppUsername: true,
  databaseOwnerUsername: true,
  databaseSchemaName: true,
  migrations: true,
};

const FUNCTION: Keys<DatabaseFunctionOptions> = {
  functionCode: true,
  functionHandler: true,
  functionRuntime: true,
  functionMemorySize: true,
  functionTimeout: true,
  functionReservedConcurrency: true,
  functionLogRetention: true,
  functionTracing: true,
  functionEnvironment: true,
  clerkJwtKey: true,
  clerkSecretKey: true,
  clerkIssuer: true,
  clerkAuthorizedParties: true,
};

const REST_API: Keys<RestApiOptions> = {
  apiStageName: true,
  apiThrottlingRateLimit: true,
  apiThrottlingBurstLimit: true,
  apiAccessLogRetention: true,
  apiWebAclArn: true,
  apiCloudWatchRole: true,
  apiCorsAllowedOrigins: true,
};

const MONITORING: Keys<MonitoringOptions> = {
  alarms: true, alarmTopic: true, dashboard: true,
};

/** The props of the network, out of all of `SecureLambdaPostgres`'s. */
export function networkOptions(props: SecureNetworkOptions): SecureNetworkOptions {
  return pick(props, NETWORK);
}

/** The props of the database and its proxy, out of all of `SecureLambdaPostgres`'s. */
export function databaseOptions(props: SecureDatabaseOptions): SecureDatabaseOptions {
  return pick(props, DATABASE);
}

/** The props of the function, out of all of `SecureLambdaPostgres`'s. */
export function functionOptions(props: DatabaseFunctionOptions): DatabaseFunctionOptions {
  return pick(props, FUNCTION);
}

/** The props of the REST API, out of all of `SecureLambdaPostgres`'s. */
export function restApiOptions(props: RestApiOptions): RestApiOptions {
  return pick(props, REST_API);
}

/** The props of the alarms and dashboard, out of all of `SecureLambdaPostgres`'s. */
export function monitoringOptions(props: MonitoringOptions): MonitoringOptions {
  return pick(props, MONITORING);
}
