import { Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { invalid } from './errors';
import { validateProxyBorrowTimeout } from './timeouts';
import { checkEnum, isOrigin } from './validate';
import { SecureLambdaPostgresProps } from '../secure-lambda-postgres-props';

/**
 * Synth-time checks of the props only `SecureLambdaPostgres` reads, and of combinations across
 * its tiers (each tier checks its own props).
 */
export function validateProps(scope: IConstruct, props: SecureLambdaPostgresProps): void {
  validateProxyBorrowTimeout(scope, props.proxyBorrowTimeout, props.functionTimeout);
  checkEnum(scope, 'apiAccessLogRetention', props.apiAccessLogRetention, 'RetentionDays', logs.RetentionDays);
  if (props.additionalInterfaceEndpoints && !props.vpcEndpoints) {
    throw invalid(scope, 'additionalInterfaceEndpoints requires vpcEndpoints: true.');
  }
  if (props.bastionInstanceType && !props.bastion) {
    throw invalid(scope, 'bastionInstanceType requires bastion: true.');
  }
  for (const origin of props.apiCorsAllowedOrigins ?? []) {
    if (!isOrigin(origin)) {
      throw invalid(scope, `apiCorsAllowedOrigins entries are origins like 'https://app.example.com' (scheme and host, no path, no '*'), got '${origin}'.`);
    }
  }
  for (const prop of ['apiThrottlingRateLimit', 'apiThrottlingBurstLimit'] as const) {
    const value = props[prop];
    if (value !== undefined && !Token.isUnresolved(value) && !(value > 0)) {
      throw invalid(scope, `${prop} must be greater than 0, got ${value}.`);
    }
  }
}

/** Without NAT, what the function reaches over the network must have another way in. */
export function validateEgress(scope: IConstruct, props: SecureLambdaPostgresProps, internet: boolean): void {
  if (internet) return;
  if (!props.vpcEndpoints) {
    throw invalid(scope, 'The application subnets have no route to the internet (natGateways: 0, or isolated applicationSubnets), so the function could not reach Secrets Manager: set vpcEndpoints: true, or keep at least one NAT gateway.');
  }
  if (props.clerkSecretKey) {
    throw invalid(scope, 'clerkSecretKey verifies tokens against Clerk over the internet, but the application subnets have no route to it: pass clerkJwtKey for networkless verification, or keep at least one NAT gateway.');
  }
}
