// The example app the README's main command synthesizes: one SecureLambdaPostgres at its
// defaults, as a consumer would write it, plus the Clerk settings a real deployment passes.
import { generateKeyPairSync } from 'crypto';
import { App, Stack } from 'aws-cdk-lib';
import { SecureLambdaPostgres } from '../src';

// Your Clerk instance's public key (Clerk Dashboard → API keys → Show JWT public key → PEM). Without
// one, a throwaway key stands in: the local stack replaces it with its own anyway.
const clerkJwtKey = process.env.CLERK_JWT_KEY
  ?? generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out' });
const stack = new Stack(app, 'SecureLambdaPostgresExample', {
  env: { account: '123456789012', region: 'us-east-1' },
});

new SecureLambdaPostgres(stack, 'Backend', {
  clerkJwtKey,
  clerkAuthorizedParties: ['https://app.example.com'],
});

app.synth();
