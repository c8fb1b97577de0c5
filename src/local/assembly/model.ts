import { StackArtifact } from '../../assembly/manifest';
import { LocalMetadata } from '../../contract';
import type { AppRoleSettings } from '../../migrations/role-settings';

/** One `SecureLambdaPostgres` found in a cloud assembly, read from its template. */
export interface BackendSpec {
  /** The construct path, e.g. `MyStack/Backend`. */
  readonly name: string;
  readonly stack: StackArtifact;
  readonly metadata: LocalMetadata;
  readonly function: FunctionSpec;
  readonly api: ApiSpec;
  readonly database: DatabaseSpec;
  readonly proxy: ProxySpec;
  /** The roles the function logs in as and the migrations, when the template has them. */
  readonly roles?: RolesSpec;
}

/** The database roles and migrations the deployment would create and apply. */
export interface RolesSpec {
  readonly schema: string;
  /** The owner role: owns the schema, runs the migrations. */
  readonly owner: string;
  /** The application role the function logs in as. */
  readonly app: string;
  /** How the app role logs in: `iam` makes it a member of `rds_iam`, with no secret. @default 'password' */
  readonly appAuth?: 'password' | 'iam';
  /** The app role's timeouts the migration function sets. @default - none named */
  readonly appSettings?: AppRoleSettings;
  /** The migration files' directory in the assembly, when the app has migrations. */
  readonly migrationsDir?: string;
  /** The checksum of the file set the template was synthesized with. */
  readonly checksum?: string;
}

export interface FunctionSpec {
  readonly logicalId: string;
  /** `file.export`, resolved against the code directory. */
  readonly handler: string;
  /** e.g. `nodejs24.x`. */
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly reservedConcurrency?: number;
  /** `LoggingConfig`: Lambda tells the runtime through AWS_LAMBDA_LOG_FORMAT / AWS_LAMBDA_LOG_LEVEL. */
  readonly logFormat?: string;
  readonly logLevel?: string;
  /** The template's `Environment.Variables`, values unresolved. */
  readonly environment: { readonly [name: string]: unknown };
  /** The code asset's directory or zip file in the assembly, or inline code (`Code.ZipFile`). */
  readonly code: { readonly directory: string } | { readonly zip: string } | { readonly inline: string };
}

export interface ApiSpec {
  readonly logicalId: string;
  readonly stageName: string;
  /** The stage's `/*` `*` method setting, when it sets throttling. */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  /** The stage's `AccessLogSetting.Format`: one line per request, as API Gateway would log it. */
  readonly accessLogFormat?: string;
  readonly resources: readonly ApiResource[];
  /** The API's `AWS::ApiGateway::GatewayResponse`s by response type (`MISSING_AUTHENTICATION_TOKEN`, ...). */
  readonly gatewayResponses: { readonly [type: string]: GatewayResponseSpec };
}

/** A gateway response the template customises: status, headers and body. */
export interface GatewayResponseSpec {
  readonly statusCode?: number;
  /** Headers with a static value. */
  readonly headers: Readonly<Record<string, string>>;
  /** Headers that copy a request header (`method.request.header.Origin`), by response header. */
  readonly requestHeaders?: Readonly<Record<string, string>>;
  /** The `application/json` template, when it is static. */
  readonly body?: string;
}

/** One API Gateway resource: its path (`/`, `/{proxy+}`, `/items/{id}`) and methods. */
export interface ApiResource {
  readonly path: string;
  readonly methods: { readonly [httpMethod: string]: ApiMethod };
}

/** What a method does locally. */
export type ApiMethod =
  /** Lambda proxy integration; `ours` when it targets the backend's function. */
  | {
    readonly kind: 'lambda';
    readonly ours: boolean;
    /** Headers and query parameters a request validator requires before the function runs. */
    readonly required: { readonly headers: readonly string[]; readonly querystrings: readonly string[] };
  }
  /** A MOCK integration (CORS preflight): a fixed status and headers. */
  | { readonly kind: 'mock'; readonly statusCode: number; readonly headers: Readonly<Record<string, string>>; readonly alternativeOrigins: readonly string[] }
  /** Anything else (HTTP, AWS service integrations): not emulated. */
  | { readonly kind: 'unsupported'; readonly type: string };

export interface DatabaseSpec {
  readonly logicalId: string;
  readonly databaseName: string;
  readonly masterUsername: string;
  readonly port: number;
  /** e.g. `18` or `16.4`. */
  readonly engineVersion?: string;
  /** e.g. `db.t4g.micro`, when the template names it. */
  readonly instanceClass?: string;
}

export interface ProxySpec {
  readonly logicalId: string;
  readonly requireTls: boolean;
  readonly idleClientTimeoutSeconds: number;
  /** The target group's `ConnectionBorrowTimeout`: how long a client waits for a database connection. */
  readonly borrowTimeoutSeconds: number;
  /** The target group's `MaxConnectionsPercent` of the instance's `max_connections`. */
  readonly maxConnectionsPercent: number;
  /** The target group's `MaxIdleConnectionsPercent`. */
  readonly maxIdleConnectionsPercent: number;
}
