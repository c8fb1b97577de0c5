/**
 * The contract between the `SecureLambdaPostgres` construct and the code that runs what it
 * synthesizes: the environment variables and routes of the function (the default handler, and any
 * handler built on `secure-lambda-postgres/lib/runtime`, read them), and the template metadata
 * `secure-lambda-postgres local` discovers backends by. Both sides import this one module.
 */

/** Names of the environment variables the construct sets on the function. */
export const ENV = {
  /** Hostname of the RDS Proxy endpoint the function connects to. */
  DB_HOST: 'DB_HOST',
  /** TCP port of the proxy (PostgreSQL's 5432 unless overridden). */
  DB_PORT: 'DB_PORT',
  /** Name of the application database. */
  DB_NAME: 'DB_NAME',
  /** ARN of the Secrets Manager secret holding `{ username, password, ... }`. Never the value. */
  DB_SECRET_ARN: 'DB_SECRET_ARN',
  /** Database user name (used with IAM authentication, where no password is read). */
  DB_USER: 'DB_USER',
  /** How the function authenticates to the proxy: one of `DB_AUTH_MODES`. */
  DB_AUTH_MODE: 'DB_AUTH_MODE',
  /** Clerk PEM public key for networkless verification (a public key, not a secret). */
  CLERK_JWT_KEY: 'CLERK_JWT_KEY',
  /** ARN of a Secrets Manager secret holding the Clerk secret key (JWKS verification path). */
  CLERK_SECRET_KEY_ARN: 'CLERK_SECRET_KEY_ARN',
  /** Comma-separated list of allowed `azp` origins. */
  CLERK_AUTHORIZED_PARTIES: 'CLERK_AUTHORIZED_PARTIES',
  /** Override of the Clerk Backend API URL (tests point it at a loopback JWKS server). */
  CLERK_API_URL: 'CLERK_API_URL',
  /** Required `iss` of session tokens: the Clerk Frontend API URL, e.g. `https://clerk.example.com`. */
  CLERK_ISSUER: 'CLERK_ISSUER',
  /** Comma-separated browser origins that get CORS headers; absent means no CORS. */
  CORS_ALLOWED_ORIGINS: 'CORS_ALLOWED_ORIGINS',
  /** The function's timeout in milliseconds: the budget every wait of a request is derived from. */
  FUNCTION_TIMEOUT_MS: 'FUNCTION_TIMEOUT_MS',

  // The deploy-time migration function's contract (it connects to the instance, not the proxy).
  /** Hostname of the database instance itself. */
  MIGRATION_DB_HOST: 'MIGRATION_DB_HOST',
  /** Port of the database instance. */
  MIGRATION_DB_PORT: 'MIGRATION_DB_PORT',
  /** Name of the application database. */
  MIGRATION_DB_NAME: 'MIGRATION_DB_NAME',
  /** The application schema: owned by the owner role, DML for the app role. */
  MIGRATION_SCHEMA: 'MIGRATION_SCHEMA',
  /** ARN of the master secret, read only to create and correct the roles. */
  MIGRATION_MASTER_SECRET_ARN: 'MIGRATION_MASTER_SECRET_ARN',
  /** ARN of the owner role's secret `{ username, password }`: the role the files run as. */
  MIGRATION_OWNER_SECRET_ARN: 'MIGRATION_OWNER_SECRET_ARN',
  /** ARN of the app role's secret (password authentication only). */
  MIGRATION_APP_SECRET_ARN: 'MIGRATION_APP_SECRET_ARN',
  /** The app role's name. */
  MIGRATION_APP_USER: 'MIGRATION_APP_USER',
  /** How the app role logs in: one of `DB_AUTH_MODES` (`iam` grants it `rds_iam` and no password). */
  MIGRATION_APP_AUTH_MODE: 'MIGRATION_APP_AUTH_MODE',
  /** Directory holding the `.sql` migration files (the layer's `/opt`); absent when there are none. */
  MIGRATION_DIR: 'MIGRATION_DIR',
  /** Checksum of the file set validated at synth; the function refuses a directory that differs. */
  MIGRATION_SET_CHECKSUM: 'MIGRATION_SET_CHECKSUM',
  /** The app role's `statement_timeout` in the application database, ms (`0`: none). */
  MIGRATION_APP_STATEMENT_TIMEOUT_MS: 'MIGRATION_APP_STATEMENT_TIMEOUT_MS',
  /** The app role's `idle_in_transaction_session_timeout` in the application database, ms (`0`: none). */
  MIGRATION_APP_IDLE_IN_TRANSACTION_TIMEOUT_MS: 'MIGRATION_APP_IDLE_IN_TRANSACTION_TIMEOUT_MS',
} as const;

/** Values of `ENV.DB_AUTH_MODE`. */
export const DB_AUTH_MODES = {
  /** Username and password read from the Secrets Manager secret. */
  PASSWORD: 'password',
  /** A short-lived IAM authentication token signed with the function's role. */
  IAM: 'iam',
} as const;

/** HTTP routes the default handler serves. */
export const ROUTES = {
  /** Unauthenticated: runs `SELECT NOW()` through the proxy. */
  HEALTH: '/health',
  /** Authenticated with a Clerk session token: returns `{ userId, now }`. */
  ME: '/me',
} as const;

/** The PostgreSQL port used by default for the proxy and the instance. */
export const DEFAULT_DB_PORT = 5432;

/**
 * The function's timeout in seconds when `functionTimeout` is not set: the construct configures
 * it, and the handler assumes it when neither its environment nor Lambda tells it the timeout.
 */
export const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 10;

/*
 * What the construct writes into the template for `secure-lambda-postgres local`: one entry in the
 * `Metadata` of its function resource naming, by logical id, every resource the local stack needs.
 * Discovery reads this, never logical-id patterns.
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
  /**
   * `AWS::Lambda::Function` that creates the database roles and applies the migrations on
   * deployment; its environment names the roles, the schema and the files. Absent in templates of
   * versions before roles and migrations.
   */
  readonly migrationFunction?: string;
}
