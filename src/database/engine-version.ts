import { Token } from 'aws-cdk-lib';
import * as rds from 'aws-cdk-lib/aws-rds';
import { IConstruct } from 'constructs';
import { invalid } from '../private/errors';

/**
 * "Supported Regions and DB engines for Amazon RDS Proxy", section "RDS Proxy with RDS for
 * PostgreSQL": columns RDS for PostgreSQL 18, 17, 16, 15, 14, 13, 12, 11 and 10, each "All available
 * versions" in every Region but Asia Pacific (New Zealand) and Asia Pacific (Taipei), where RDS Proxy
 * is "Not available" for any engine. Read on 2026-12-02.
 */
export const RDS_PROXY_ENGINES_URL = 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.RDS_Fea_Regions_DB-eng.Feature.RDSProxy.html';

/**
 * "Supported DB engines for DB instance classes", row db.t4g.micro, column PostgreSQL: "All
 * PostgreSQL 17, 16, 15, 14, and 13 versions; and 12.7 and higher 12 versions" (read the same day;
 * the db.m8gd and db.r8gd rows there do list "18.1 and higher", the db.t4g rows do not). The page
 * lags the API: what RDS offers is `describe-orderable-db-instance-options`, and cfn-lint 1.58's
 * data, generated from it, lists db.t4g.micro for postgres 18.3 (cfnlint/data/schemas/extensions/
 * aws_rds_dbinstance/db_instance_class.json, which `npx projen compliance` runs with), while it
 * marks a bare '17' deprecated (W3691 "cannot be used to create new RDS DB instances").
 */
export const INSTANCE_CLASS_ENGINES_URL = 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Support.html';

/** How RDS says what a class runs: the API behind cfn-lint's orderability data. */
export const ORDERABLE_OPTIONS_URL = 'https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeOrderableDBInstanceOptions.html';

/** The RDS for PostgreSQL majors RDS Proxy supports, per {@link RDS_PROXY_ENGINES_URL}. */
export const PROXY_POSTGRES_MAJORS: readonly number[] = [10, 11, 12, 13, 14, 15, 16, 17, 18];

/** The majors RDS offers on the default instance class, db.t4g.micro, per {@link ORDERABLE_OPTIONS_URL} (and the page for 12 to 17). */
export const DEFAULT_CLASS_POSTGRES_MAJORS: readonly number[] = [12, 13, 14, 15, 16, 17, 18];

/**
 * The newest major RDS Proxy supports and RDS offers on db.t4g.micro: 18, generally available on
 * RDS since 18.1 (RDS for PostgreSQL release notes, "PostgreSQL 18 versions":
 * https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-versions.html).
 */
export const DEFAULT_POSTGRES_VERSION = rds.PostgresEngineVersion.VER_18;

/**
 * The engine version of the instance: the one given, or {@link DEFAULT_POSTGRES_VERSION}. Fails at
 * synth for a major RDS Proxy does not support (a proxy target of such a version fails at deploy).
 * Tokens, majors it cannot read and majors newer than the page lists pass: the page cannot say.
 */
export function proxySupportedEngineVersion(scope: IConstruct, version?: rds.PostgresEngineVersion): rds.PostgresEngineVersion {
  if (version === undefined) return DEFAULT_POSTGRES_VERSION;
  const major = version.postgresMajorVersion;
  if (Token.isUnresolved(major) || !/^\d+(\.\d+)?$/.test(major)) return version;
  const number = Number(major);
  const newest = Math.max(...PROXY_POSTGRES_MAJORS);
  if (!PROXY_POSTGRES_MAJORS.includes(number) && number < newest) {
    throw invalid(scope, `databaseEngineVersion ${version.postgresFullVersion} is PostgreSQL ${major}, which RDS Proxy does not support: `
      + `AWS lists RDS Proxy for RDS for PostgreSQL ${PROXY_POSTGRES_MAJORS.join(', ')} (${RDS_PROXY_ENGINES_URL}). `
      + `Choose one of those majors, for example rds.PostgresEngineVersion.VER_${DEFAULT_POSTGRES_VERSION.postgresMajorVersion}.`);
  }
  return version;
}
