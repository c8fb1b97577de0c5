import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';

/** Alarms and a dashboard over API → function → proxy → database. */
export interface MonitoringOptions {
  /**
   * Whether to create CloudWatch alarms across the request path, with thresholds derived from
   * the configuration (function timeout, concurrency cap, instance class, storage).
   *
   * @default true
   */
  readonly alarms?: boolean;

  /**
   * Topic the alarms notify (on ALARM and back to OK). Requires `alarms`.
   *
   * @default - a new topic encrypted with the key (its policy lets CloudWatch use it), TLS-only
   * publishing; subscribe to `backend.alarmTopic`
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Whether to create a CloudWatch dashboard of the request path (with the alarms' states when
   * `alarms` is on). CloudWatch names it.
   *
   * @default true
   */
  readonly dashboard?: boolean;
}

/** What the alarms and the dashboard watch. */
export interface MonitoredResources {
  /** The API's stage (metrics by ApiName and Stage). */
  readonly apiStage: apigateway.Stage;
  /** The API's function. */
  readonly function: lambda.IFunction;
  /** The RDS Proxy (metrics by ProxyName). */
  readonly proxy: rds.IDatabaseProxy;
  /** The instance (metrics by DBInstanceIdentifier). */
  readonly instance: rds.IDatabaseInstance;

  /**
   * Names of the secret rotation functions (`SecureDatabase.rotationFunctionNames`).
   *
   * @default - rotation is not watched
   */
  readonly rotationFunctionNames?: string[];

  /**
   * NAT instances whose status checks are watched.
   *
   * @default - none
   */
  readonly natInstances?: ec2.Instance[];
}
