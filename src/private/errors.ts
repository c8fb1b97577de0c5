import { UnscopedValidationError, ValidationError } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** aws-cdk-lib asks for a literal error name (its `lit` tag is not exported): one for every check here. */
const NAME = 'SecureLambdaPostgresValidation' as ConstructorParameters<typeof ValidationError>[0];

/**
 * The error invalid props fail synth with: aws-cdk-lib's `ValidationError`, which carries the path
 * of the construct that rejected them (`constructPath`, and the construct tree under the stack
 * trace the CDK CLI prints), the message unchanged.
 */
export function invalid(scope: IConstruct, message: string): ValidationError {
  return new ValidationError(NAME, message, scope);
}

/** The same for a check that runs before there is a construct (a static factory's argument). */
export function invalidArgument(message: string): UnscopedValidationError {
  return new UnscopedValidationError(NAME, message);
}
