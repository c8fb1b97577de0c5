// The example app the README's main command synthesizes: one SecureLambdaPostgres at its
// defaults, as a consumer would write it, plus the Clerk settings a real deployment passes.
import { App, Stack } from 'aws-cdk-lib';
import { SecureLambdaPostgres } from '../src';

const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out' });
const stack = new Stack(app, 'SecureLambdaPostgresExample', {
  env: { account: '123456789012', region: 'us-east-1' },
});

new SecureLambdaPostgres(stack, 'Backend', {
  clerkJwtKey: process.env.CLERK_JWT_KEY ?? '-----BEGIN PUBLIC KEY-----\nreplace-with-your-clerk-jwt-public-key\n-----END PUBLIC KEY-----',
  clerkAuthorizedParties: ['https://app.example.com'],
});

app.synth();
