/**
 * What the `SecureLambdaPostgres` construct writes into the template for the local stack: one
 * entry in the `Metadata` of its function resource naming, by logical id, every resource
 * `secure-lambda-postgres local` needs. Discovery reads this, never logical-id patterns.
 */

/** The template `Metadata` key on the function resource. */
export const LOCAL_METADATA_KEY = 'secure-lambda-postgres:local';

/** Version of {@link LocalMetadata}; a reader rejects versions it does not know. */
export const LOCAL_METADATA_VERSION = 1;

/** The value under {@link LOCAL_METADATA_KEY}: logical ids within the same template. */
export interface LocalMetadata {
  readonly version: number;
  /** The construct's path in the app, e.g. `MyStack/Backend`. */
  readonly construct: string;
  /** `AWS::Lambda::Function` (the resource carrying this entry). */
  readonly function: string;
  /** `AWS::ApiGateway::RestApi` in front of the function. */
  readonly restApi: string;
  /** `AWS::ApiGateway::Stage` of the API. */
  readonly stage: string;
  /** `AWS::RDS::DBProxy` the function connects to. */
  readonly proxy: string;
  /** `AWS::RDS::DBInstance` behind the proxy. */
  readonly database: string;
  /** The master credentials secret (an `AWS::SecretsManager::Secret` or its attachment): its `Ref` is the secret ARN. */
  readonly secret: string;
}
