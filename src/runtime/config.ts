import { DB_AUTH_MODES, DEFAULT_DB_PORT, ENV } from '../contract';

/** An environment-variable map, `process.env` by default. */
export interface Environment {
  readonly [name: string]: string | undefined;
}

/** How the function authenticates to the proxy. */
export type DbAuthMode = 'password' | 'iam';

/** Database settings read from the environment the construct writes. */
export interface DbConfig {
  /** Proxy (or database) host name; also the TLS server name that is verified. */
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly authMode: DbAuthMode;
  /** Secrets Manager secret `{ username, password }` (password mode). */
  readonly secretArn?: string;
  /** Database user (IAM mode; in password mode the secret's `username` wins when present). */
  readonly user?: string;
  /** Region for IAM token signing (`AWS_REGION`, set by Lambda). */
  readonly region?: string;
}

/** Clerk settings read from the environment the construct writes. */
export interface ClerkConfig {
  /** PEM public key for networkless verification, normalised (see {@link normalisePem}). */
  readonly jwtKey?: string;
  /** Secrets Manager secret holding the Clerk secret key (JWKS verification). */
  readonly secretKeyArn?: string;
  /** Clerk Backend API URL override. */
  readonly apiUrl?: string;
  /** Allowed `azp` values; empty means the claim is not checked. */
  readonly authorizedParties: string[];
  /** Required `iss` (the Clerk Frontend API URL); unset means the claim is not checked. */
  readonly issuer?: string;
}

/** Thrown when the environment does not describe a usable configuration. */
export class ConfigurationError extends Error {
  public readonly code = 'CONFIGURATION';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

function value(env: Environment, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) {
    return undefined;
  }
  const trimmed = raw.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Normalise a PEM that went through an environment variable or a CloudFormation parameter:
 * literal `\n` (and `\r\n`) escapes become newlines, surrounding whitespace and quotes are removed,
 * and a PEM flattened onto one line gets its line breaks back. Clerk's networkless verification
 * otherwise reports a valid token as `token-invalid-signature`.
 */
export function normalisePem(pem: string): string {
  let text = pem.trim();
  if ((text.startsWith('"') && text.endsWith('"')) || (text.startsWith("'") && text.endsWith("'"))) {
    text = text.slice(1, -1).trim();
  }
  text = text.replace(/\\r\\n|\\n|\\r/g, '\n').replace(/\r\n?/g, '\n');
  const match = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (!match) {
    return text;
  }
  const label = match[1];
  const body = match[2].replace(/\s+/g, '');
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----`;
}

/** Parse a comma-separated list, trimming entries and dropping empty ones. */
export function parseList(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Read the database settings; throws {@link ConfigurationError} naming what is missing. */
export function readDbConfig(env: Environment = process.env): DbConfig {
  const host = value(env, ENV.DB_HOST);
  const portRaw = value(env, ENV.DB_PORT);
  const database = value(env, ENV.DB_NAME) ?? 'postgres';
  const modeRaw = (value(env, ENV.DB_AUTH_MODE) ?? DB_AUTH_MODES.PASSWORD).toLowerCase();
  const secretArn = value(env, ENV.DB_SECRET_ARN);
  const user = value(env, ENV.DB_USER);
  const region = value(env, 'AWS_REGION') ?? value(env, 'AWS_DEFAULT_REGION');

  if (!host) {
    throw new ConfigurationError(`${ENV.DB_HOST} is not set`);
  }
  const port = portRaw === undefined ? DEFAULT_DB_PORT : Number(portRaw);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new ConfigurationError(`${ENV.DB_PORT} must be a TCP port number`);
  }
  let authMode: DbAuthMode;
  if (modeRaw === DB_AUTH_MODES.PASSWORD) {
    authMode = 'password';
    if (!secretArn) {
      throw new ConfigurationError(`${ENV.DB_SECRET_ARN} is required when ${ENV.DB_AUTH_MODE}=${DB_AUTH_MODES.PASSWORD}`);
    }
  } else if (modeRaw === DB_AUTH_MODES.IAM) {
    authMode = 'iam';
    if (!user) {
      throw new ConfigurationError(`${ENV.DB_USER} is required when ${ENV.DB_AUTH_MODE}=${DB_AUTH_MODES.IAM}`);
    }
    if (!region) {
      throw new ConfigurationError(`AWS_REGION is required when ${ENV.DB_AUTH_MODE}=${DB_AUTH_MODES.IAM}`);
    }
  } else {
    throw new ConfigurationError(`${ENV.DB_AUTH_MODE} must be '${DB_AUTH_MODES.PASSWORD}' or '${DB_AUTH_MODES.IAM}'`);
  }
  return { host, port, database, authMode, secretArn, user, region };
}

/** Read the Clerk settings (never throws: an empty config means "not configured"). */
export function readClerkConfig(env: Environment = process.env): ClerkConfig {
  const jwtKeyRaw = value(env, ENV.CLERK_JWT_KEY);
  return {
    jwtKey: jwtKeyRaw ? normalisePem(jwtKeyRaw) : undefined,
    secretKeyArn: value(env, ENV.CLERK_SECRET_KEY_ARN),
    apiUrl: value(env, ENV.CLERK_API_URL),
    authorizedParties: parseList(env[ENV.CLERK_AUTHORIZED_PARTIES]),
    // Clerk's `iss` has no trailing slash; a configured one would reject every token.
    issuer: value(env, ENV.CLERK_ISSUER)?.replace(/\/+$/, ''),
  };
}

/** True when either verification path (networkless PEM or JWKS via secret key) is configured. */
export function isClerkConfigured(config: ClerkConfig): boolean {
  return Boolean(config.jwtKey || config.secretKeyArn);
}
