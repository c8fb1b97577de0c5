/**
 * Runtime helpers for Lambda functions behind `SecureLambdaPostgres`, importable from
 * `secure-lambda-postgres/lib/runtime`. The default handler is built from these; a custom
 * TypeScript handler can reuse them and keep the same environment contract.
 *
 * They need `pg` and `@clerk/backend` (and `@aws-sdk/client-secrets-manager`, which the Lambda
 * Node.js runtime provides) in the consumer's bundle.
 */
export * from './config';
export * from './deadline';
export * from './log';
export * from './secrets';
export * from './iam-token';
export * from './connection';
export * from './db';
export * from './verification-cache';
export * from './clerk';
export * from './http';
export * from './cors';
export { ENV, DB_AUTH_MODES, ROUTES, DEFAULT_DB_PORT } from '../contract';
