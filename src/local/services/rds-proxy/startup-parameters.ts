/**
 * What RDS Proxy accepts in a PostgreSQL startup message, and the texts it refuses the rest with.
 *
 * RDS User Guide, "Troubleshooting for RDS Proxy" (the PostgreSQL error table):
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.troubleshooting.html
 * and "Connecting to a database through RDS Proxy" (considerations for PostgreSQL):
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-connecting.html
 */

/** Parameters RDS Proxy accepts: the session's identity and the runtime settings it tracks per client. */
export const ACCEPTED_STARTUP_PARAMETERS: readonly string[] = [
  'user', 'database', 'replication',
  'application_name', 'client_encoding', 'DateStyle', 'TimeZone', 'extra_float_digits',
];

const accepted = new Set(ACCEPTED_STARTUP_PARAMETERS.map((p) => p.toLowerCase()));

/** A refusal: the SQLSTATE and message the client receives before the connection closes. */
export interface StartupRefusal {
  readonly code: string;
  readonly message: string;
}

const FEATURE_NOT_SUPPORTED = '0A000';

/** Replication off, spelled any way PostgreSQL's boolean parser accepts. */
const REPLICATION_OFF = new Set(['false', 'off', 'no', '0', 'f', 'n']);

/**
 * Why RDS Proxy refuses this startup message, or undefined when it accepts it. Parameter names
 * compare case-insensitively, as PostgreSQL's GUC names do.
 */
export function refuseStartup(majorVersion: number, minorVersion: number, parameters: Readonly<Record<string, string>>): StartupRefusal | undefined {
  if (majorVersion !== 3 || minorVersion !== 0) {
    return { code: FEATURE_NOT_SUPPORTED, message: 'Feature not supported: RDS Proxy supports only version 3.0 of the PostgreSQL messaging protocol.' };
  }
  if (!parameters.user) {
    return { code: '28000', message: 'A user name is missing from the connection startup packet. Provide a user name for this connection.' };
  }
  for (const name of Object.keys(parameters)) {
    const lower = name.toLowerCase();
    if (lower === 'options') {
      return { code: FEATURE_NOT_SUPPORTED, message: 'Feature not supported: RDS Proxy currently doesn\'t support command-line options.' };
    }
    if (!accepted.has(lower)) {
      return { code: FEATURE_NOT_SUPPORTED, message: `Feature not supported: RDS Proxy currently doesn't support the option ${name}.` };
    }
  }
  const replication = parameters.replication;
  if (replication !== undefined && !REPLICATION_OFF.has(replication.toLowerCase())) {
    return { code: FEATURE_NOT_SUPPORTED, message: 'Feature not supported: RDS Proxy currently doesn\'t support streaming replication mode.' };
  }
  return undefined;
}
