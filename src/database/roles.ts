import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { Migrations } from './migrations';
import { DEFAULTS } from '../private/defaults';
import { invalid } from '../private/errors';

/** The database roles and the schema migrations, shared by `SecureDatabase` and `SecureLambdaPostgres`. */
export interface DatabaseRoleOptions {
  /**
   * The application role the function logs in as: `SELECT`, `INSERT`, `UPDATE` and `DELETE` on
   * the owner's tables in the application schema (and use of their sequences), nothing else. Its
   * credentials have a secret of their own (or, with IAM authentication, `rds_iam` and no password).
   *
   * @default 'app'
   */
  readonly databaseAppUsername?: string;

  /**
   * The owner role: owns the application schema and runs the migrations. The function cannot read
   * its secret.
   *
   * @default 'app_owner'
   */
  readonly databaseOwnerUsername?: string;

  /**
   * The application schema: owned by the owner role, the app role's `search_path`. The migration
   * history lives beside it in `<schema>_migrations`, out of the app role's reach.
   *
   * @default 'app'
   */
  readonly databaseSchemaName?: string;

  /**
   * Schema migrations applied on every deployment, before the function is updated, by a function
   * in the VPC connected to the instance as the owner role. Without them the deployment still
   * creates the roles, the schema and the grants.
   *
   * @default - no migration files
   */
  readonly migrations?: Migrations;
}

/** The names the database tier uses, resolved. */
export interface RoleNames {
  readonly master: string;
  readonly owner: string;
  readonly app: string;
  readonly schema: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** The role and schema names, with their defaults. */
export function resolveRoleNames(props: DatabaseRoleOptions & { readonly databaseUsername?: string }): RoleNames {
  return {
    master: props.databaseUsername ?? DEFAULTS.databaseUsername,
    owner: props.databaseOwnerUsername ?? DEFAULTS.databaseOwnerUsername,
    app: props.databaseAppUsername ?? DEFAULTS.databaseAppUsername,
    schema: props.databaseSchemaName ?? DEFAULTS.databaseSchemaName,
  };
}

/** Synth-time checks of the role and schema names. */
export function validateRoleOptions(scope: IConstruct, props: DatabaseRoleOptions & { readonly databaseUsername?: string }): void {
  const names = resolveRoleNames(props);
  const checks: Array<[string, string, number]> = [
    ['databaseAppUsername', names.app, 63],
    ['databaseOwnerUsername', names.owner, 63],
    // `<schema>_migrations` must fit PostgreSQL's 63-character names too.
    ['databaseSchemaName', names.schema, 52],
  ];
  for (const [prop, name, max] of checks) {
    if (Token.isUnresolved(name)) continue;
    if (!IDENTIFIER.test(name) || name.length > max) {
      throw invalid(scope, `${prop} must be a lower-case PostgreSQL name of at most ${max} characters (letters, digits, underscores; not starting with a digit), got '${name}'.`);
    }
    if (/^(pg_|rds_)/.test(name) || ['rdsadmin', 'public', 'information_schema'].includes(name)) {
      throw invalid(scope, `${prop} '${name}' is reserved by PostgreSQL or Amazon RDS (pg_*, rds_*, rdsadmin, public, information_schema): choose another name.`);
    }
  }
  const roles = [['databaseUsername (the master)', names.master], ['databaseOwnerUsername', names.owner], ['databaseAppUsername', names.app]];
  for (let i = 0; i < roles.length; i++) {
    for (let j = i + 1; j < roles.length; j++) {
      if (roles[i][1] === roles[j][1] && !Token.isUnresolved(roles[i][1])) {
        throw invalid(scope, `${roles[i][0]} and ${roles[j][0]} are both '${roles[i][1]}': the master, owner and app roles must be three different roles, each with its own credentials.`);
      }
    }
  }
}
