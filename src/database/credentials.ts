import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { PASSWORD_EXCLUDED_CHARACTERS } from './instance';
import { DatabaseAuthentication } from './options';
import { RoleNames } from './roles';

/** What the role secrets are made from, resolved by `SecureDatabase`. */
export interface CredentialSettings {
  readonly instance: rds.DatabaseInstance;
  readonly encryptionKey: kms.IKey;
  readonly names: RoleNames;
  readonly databaseName: string;
  readonly authentication: DatabaseAuthentication;
}

/** The owner's secret, and the app role's (password authentication only). */
export interface RoleCredentials {
  readonly ownerSecret: secretsmanager.ISecret;
  readonly appSecret?: secretsmanager.ISecret;
}

/**
 * Generated credentials of the owner (`OwnerSecret`) and app (`AppSecret`) roles, encrypted with
 * the key and attached to the instance, so that they hold what the rotation function connects with
 * (host, port, database). With IAM authentication the app role has no password, so no secret.
 */
export function createRoleCredentials(scope: Construct, settings: CredentialSettings): RoleCredentials {
  const secret = (id: string, username: string) => new rds.DatabaseSecret(scope, id, {
    username,
    dbname: settings.databaseName,
    encryptionKey: settings.encryptionKey,
    excludeCharacters: PASSWORD_EXCLUDED_CHARACTERS,
  }).attach(settings.instance);
  return {
    ownerSecret: secret('OwnerSecret', settings.names.owner),
    appSecret: settings.authentication === DatabaseAuthentication.IAM ? undefined : secret('AppSecret', settings.names.app),
  };
}
