// A fastify + @clerk/fastify + Drizzle app (EXAMPLE_ORM=prisma: Prisma) behind SecureLambdaPostgres:
// bundled by esbuild into the function's code asset, passed as functionCode.
// `npx projen example:fastify` synthesizes it and runs `local verify` on it.
import { generateKeyPairSync } from 'crypto';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { buildFastifyExample, ExampleOrm } from './build';
// In your app: import { SecureLambdaPostgres } from 'secure-lambda-postgres';
import { SecureLambdaPostgres } from '../../src';

// Your Clerk instance's PEM public key (Dashboard → API keys → JWT public key); a throwaway key
// stands in without one (the local stack verifies with its own key anyway).
const clerkJwtKey = process.env.CLERK_JWT_KEY
  ?? generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
// @clerk/fastify insists on both keys even when it verifies with the PEM key: the publishable key
// is public (environment), the secret key stays in Secrets Manager (read by the handler at Init).
const clerkPublishableKey = process.env.CLERK_PUBLISHABLE_KEY;
const clerkSecretName = process.env.CLERK_SECRET_NAME;
if (!clerkPublishableKey || !clerkSecretName) {
  // Not an error: the local stack supplies placeholders and says so. A deployment needs both.
  process.stderr.write('example/fastify: CLERK_PUBLISHABLE_KEY or CLERK_SECRET_NAME is not set: fine locally, needed to deploy\n');
}

const orm = process.env.EXAMPLE_ORM ?? 'drizzle';
if (orm !== 'drizzle' && orm !== 'prisma') {
  throw new Error(`EXAMPLE_ORM must be 'drizzle' or 'prisma', not '${orm}'`);
}

const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out' });
const stack = new Stack(app, 'FastifyExample', { env: { account: '123456789012', region: 'us-east-1' } });

new SecureLambdaPostgres(stack, 'Backend', {
  functionCode: lambda.Code.fromAsset(buildFastifyExample(undefined, orm satisfies ExampleOrm)),
  functionHandler: 'index.handler',
  functionEnvironment: clerkPublishableKey ? { CLERK_PUBLISHABLE_KEY: clerkPublishableKey } : undefined,
  clerkJwtKey,
  clerkSecretKey: clerkSecretName ? secretsmanager.Secret.fromSecretNameV2(stack, 'ClerkSecretKey', clerkSecretName) : undefined,
  clerkAuthorizedParties: ['https://app.example.com'],
});

app.synth();
