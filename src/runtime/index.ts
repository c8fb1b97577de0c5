/**
 * Runtime helpers for Lambda functions behind `SecureLambdaPostgres`, importable from
 * `secure-lambda-postgres/lib/runtime`. The default handler is built from these; a custom
 * TypeScript handler can reuse them and keep the same environment contract.
 *
 * They need `pg` and `@clerk/backend` in the consumer's bundle; secrets are read with a signed
 * request of their own (`@aws-sdk/client-secrets-manager` only for a `SecretCache` given a client).
 */
export * from './config';
export * from './deadline';
export * from './log';
export * from './secrets';
export * from './get-secret-value';
export * from './iam-token';
export * from './connection';
export * from './db';
export * from './database-url';
export * from './verification-cache';
export * from './clerk';
export * from './http';
export * from './cors';
export { ENV, DB_AUTH_MODES, ROUTES, DEFAULT_DB_PORT } from '../contract';
