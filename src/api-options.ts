import * as logs from 'aws-cdk-lib/aws-logs';

/** Settings of the REST API in front of the function, part of `SecureLambdaPostgresProps`. */
export interface RestApiOptions {
  /**
   * Name of the API stage (the first path segment of `apiUrl`).
   *
   * @default 'prod'
   */
  readonly apiStageName?: string;

  /**
   * Steady-state request rate limit of the API stage, per second.
   *
   * @default 50
   */
  readonly apiThrottlingRateLimit?: number;

  /**
   * Burst limit of the API stage.
   *
   * @default 100
   */
  readonly apiThrottlingBurstLimit?: number;

  /**
   * Retention of the API access log.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly apiAccessLogRetention?: logs.RetentionDays;

  /**
   * ARN of an AWS WAF web ACL (regional) to associate with the API stage.
   *
   * @default - no web ACL
   */
  readonly apiWebAclArn?: string;

  /**
   * Whether to set up the account-wide role API Gateway needs to write execution logs
   * (`AWS::ApiGateway::Account`). Turn off when the account already has one.
   *
   * @default true
   */
  readonly apiCloudWatchRole?: boolean;

  /**
   * Browser origins allowed to call the API (CORS), e.g. `['https://app.example.com']`. API
   * Gateway answers the preflight and the function adds the headers, for exactly these origins
   * (never `*`), allowing the `Authorization` header. Pass `[]` for no CORS.
   *
   * @default - the `clerkAuthorizedParties`: the origins whose session tokens the API accepts
   */
  readonly apiCorsAllowedOrigins?: string[];
}
