// Integration test: SecureLambdaPostgres at its defaults, deployed for real by
//   npx integ-runner --language typescript --update-on-failed   (see CONTRIBUTING.md, Integration tests)
// and verified without AWS credentials against the committed snapshot by `npx projen integ:verify`.
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { Stack } from 'aws-cdk-lib';
import { SecureLambdaPostgres } from '../src';
import { assertBackend, assertMigrated, INTEG_TEST_OPTIONS, integApp, leaveNothingBehind, TEST_BACKEND_PROPS } from './integ-helpers';
import { probeFromOutside } from './integ-probe';

const app = integApp();
const stack = new Stack(app, 'SecureLambdaPostgresIntegDefault', {
  description: 'Integration test of secure-lambda-postgres at its default settings (safe to delete)',
});

// The defaults, except what lets the test tear itself down (no deletion protection, DESTROY instead
// of a final snapshot, no retained backup vault) and a Clerk public key so /me can answer 401.
const backend = new SecureLambdaPostgres(stack, 'Backend', TEST_BACKEND_PROPS);
leaveNothingBehind(backend);

// A function outside the VPC that must not be able to open a connection to the database or proxy.
const probe = probeFromOutside(stack, backend);

const integ = new IntegTest(app, 'SecureLambdaPostgresDefault', {
  testCases: [stack],
  ...INTEG_TEST_OPTIONS,
});
assertBackend(integ, backend, probe);
// No migration files: the deployment still created the roles.
assertMigrated(integ, backend, 0);

app.synth();
