import { randomBytes } from 'crypto';
import { BackendSpec } from './assembly/model';

/** A secret of the local Secrets Manager, with a password made for the run. */
export interface LocalSecret {
  readonly arn: string;
  /** Logical ids of the template that stand for it (the secret and its attachment). */
  readonly ids: readonly string[];
  readonly username: string;
  readonly password: string;
  /** Its `SecretString`, in the shape RDS and the rotation functions write. */
  readonly value: string;
}

/** The backend's secrets: the master's, and the one the function logs in with. */
export interface BackendSecrets {
  readonly master: LocalSecret;
  /** The app role's (its own), or the master's in templates from before the roles. */
  readonly login: LocalSecret;
  readonly all: readonly LocalSecret[];
}

interface Where {
  readonly region: string;
  readonly account: string;
  readonly host: string;
  readonly port: number;
}

/** The same secret with a new password (a rotation). */
export function withPassword(secret: LocalSecret, password: string): LocalSecret {
  return { ...secret, password, value: JSON.stringify({ ...JSON.parse(secret.value), password }) };
}

/**
 * A local secret for each of the template's: the master user's, and with the roles the owner's
 * and the app role's; each gets a password generated for this run.
 */
export function planSecrets(spec: BackendSpec, where: Where): BackendSecrets {
  const base = `arn:aws:secretsmanager:${where.region}:${where.account}:secret:${spec.name.replace(/[^A-Za-z0-9/_+=.@-]/g, '-')}`;
  const secret = (name: string, ids: readonly string[], username: string): LocalSecret => {
    const password = randomBytes(24).toString('base64url');
    const value = JSON.stringify({ engine: 'postgres', host: where.host, port: where.port, username, password, dbname: spec.database.databaseName });
    return { arn: `${base}/${name}-local`, ids, username, password, value };
  };
  const roles = spec.roles;
  const master = secret('database', [spec.metadata.secret, ...(roles?.master?.ids ?? [])], spec.database.masterUsername);
  if (!roles) return { master, login: master, all: [master] };
  const appUser = roles.app?.username ?? roles.appUser ?? 'app';
  const owner = secret('owner', roles.owner?.ids ?? [], roles.owner?.username ?? `${appUser}_owner`);
  const app = secret('app', roles.app?.ids ?? [], appUser);
  return { master, login: app, all: [master, owner, app] };
}
