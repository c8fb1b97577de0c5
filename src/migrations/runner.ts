import { createHash } from 'crypto';
import { Client } from 'pg';
import { describePgError, MigrationError, sqlStateOf } from './errors';
import { MigrationFile, versionOf } from './files';
import { quoteIdent } from './sql';
import { lineIndex, splitStatements } from './statements';

/** Receives one structured event per step of a run; `warn` for what the run went on past. */
export type MigrationLog = (event: string, fields?: Record<string, unknown>, level?: 'info' | 'warn') => void;

/** What {@link applyMigrations} needs besides the owner's connection. */
export interface ApplyOptions {
  /** The application schema the owner owns and the app role uses. */
  readonly schema: string;
  /** The application role that gets DML on the schema's tables. */
  readonly appUser: string;
  /** The migration files, ordered (see `readMigrationDirectory`). */
  readonly files: readonly MigrationFile[];
  /** Grant the app role DML on the tables that already exist (it was just created). @default false */
  readonly grantExistingTables?: boolean;
  /** Epoch milliseconds by which the run must be over (lock waits and statements are bounded by it). @default none */
  readonly deadline?: number;
  readonly log?: MigrationLog;
}

/** What a run did. */
export interface MigrationResult {
  /** Files applied by this run, in order. */
  readonly applied: string[];
  /** Files of this run that were already applied. */
  readonly alreadyApplied: number;
  /**
   * Applied files this run does not know, all numbered after its last file: a newer version applied
   * them, and this older one runs again (a rollback). They are left as they are.
   */
  readonly ahead: string[];
}

/** The schema holding the history table: the owner's, out of the app role's reach. */
export function historySchemaOf(schema: string): string {
  return `${schema}_migrations`;
}

/**
 * The advisory-lock key of one application schema: two runs for the same schema (two deployments,
 * a deployment and a local run) serialise; other schemas in the database are not blocked.
 */
export function lockKeyOf(schema: string): string {
  return createHash('sha256').update(`secure-lambda-postgres migrations ${schema}`).digest().readBigInt64BE(0).toString();
}

/**
 * Run `body` holding the schema's session-level advisory lock, waiting for it at most until the
 * deadline. Session-level, so that it spans the per-file transactions: this is why the runner
 * connects to the instance directly (a proxy would pin the session, and could hand it to others).
 */
export async function withMigrationLock<T>(client: Client, schema: string, deadline: number | undefined, body: () => Promise<T>): Promise<T> {
  const key = lockKeyOf(schema);
  await client.query("SELECT set_config('lock_timeout', $1, false)", [String(deadline === undefined ? 0 : Math.max(1, deadline - Date.now()))]);
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [key]);
  } catch (err) {
    if (sqlStateOf(err) !== '55P03') throw err;
    const { rows } = await client.query<{ pid: number; application_name: string; since: string }>(
      `SELECT a.pid, a.application_name, a.backend_start::text AS since FROM pg_locks l JOIN pg_stat_activity a USING (pid)
       WHERE l.locktype = 'advisory' AND l.granted AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint`, [key]);
    const holder = rows[0] ? ` (held by backend ${rows[0].pid}, '${rows[0].application_name}', connected since ${rows[0].since})` : '';
    throw new MigrationError('lock-timeout', `Another migration run kept the lock on schema ${schema} until the deadline${holder}: let it finish (or end that backend with pg_terminate_backend), then deploy again.`, { sqlState: '55P03' });
  }
  try {
    await client.query('RESET lock_timeout');
    return await body();
  } finally {
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined);
  }
}

interface Applied {
  readonly name: string;
  readonly checksum: string;
}

/**
 * Apply the pending files as the schema owner, under the schema's advisory lock: the schema, the
 * app role's usage and default privileges and the history table are made sure of first; every
 * applied file is checked against its recorded checksum; then each pending file runs in a
 * transaction of its own, with its name and checksum recorded in the same transaction. The first
 * failure rolls its file back and stops the run: the database stays at the last good migration.
 */
export async function applyMigrations(client: Client, options: ApplyOptions): Promise<MigrationResult> {
  const log = options.log ?? (() => undefined);
  return withMigrationLock(client, options.schema, options.deadline, async () => {
    const history = await prepareSchema(client, options);
    const applied = (await client.query<Applied>(`SELECT name, checksum FROM ${history} ORDER BY name`)).rows;
    const { pending, ahead } = checkHistory(options.files, applied);
    if (ahead.length > 0) {
      log('migration.ahead', { files: ahead, lastKnown: options.files[options.files.length - 1]?.name ?? null, note: 'applied by a newer version (a rollback runs this one again): left as they are' }, 'warn');
    }
    const done: string[] = [];
    let lastGood = options.files.filter(f => !pending.includes(f)).pop()?.name;
    for (const file of pending) {
      log('migration.applying', { file: file.name });
      const started = Date.now();
      await applyFile(client, history, file, options, lastGood);
      done.push(file.name);
      lastGood = file.name;
      log('migration.applied', { file: file.name, durationMs: Date.now() - started });
    }
    if (options.grantExistingTables) {
      await grantTables(client, options, 'ALL TABLES IN SCHEMA', 'ALL SEQUENCES IN SCHEMA');
    }
    return { applied: done, alreadyApplied: applied.length - ahead.length, ahead };
  });
}

async function prepareSchema(client: Client, options: ApplyOptions): Promise<string> {
  const schema = quoteIdent(options.schema);
  const historySchema = quoteIdent(historySchemaOf(options.schema));
  const history = `${historySchema}.history`;
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${historySchema}`);
  // Whatever was granted on the schemas before, PUBLIC gets nothing and the app role only USAGE.
  await client.query(`REVOKE ALL ON SCHEMA ${schema}, ${historySchema} FROM PUBLIC`);
  await client.query(`REVOKE ALL ON SCHEMA ${historySchema} FROM ${quoteIdent(options.appUser)}`);
  await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${quoteIdent(options.appUser)}`);
  await grantTables(client, options, 'TABLES', 'SEQUENCES', `ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} `);
  await client.query(`CREATE TABLE IF NOT EXISTS ${history} (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    duration_ms integer NOT NULL
  )`);
  return history;
}

async function grantTables(client: Client, options: ApplyOptions, tables: string, sequences: string, prefix = ''): Promise<void> {
  const app = quoteIdent(options.appUser);
  const on = prefix === '' ? ` ${quoteIdent(options.schema)}` : '';
  await client.query(`${prefix}GRANT SELECT, INSERT, UPDATE, DELETE ON ${tables}${on} TO ${app}`);
  await client.query(`${prefix}GRANT USAGE, SELECT ON ${sequences}${on} TO ${app}`);
}

/**
 * The pending files, after checking that the applied ones are all there (or all numbered after the
 * last file: `ahead`), unchanged and first.
 *
 * Applied files numbered after the last file are what a newer version applied: CloudFormation rolls a
 * failed update back by sending the migration trigger an update back to the old properties
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes-update.html,
 * aws/aws-cdk#29581), so the old function runs against the newer database, and must succeed for the
 * rollback to complete. An unknown file numbered before or among the files is a lost migration.
 */
function checkHistory(files: readonly MigrationFile[], applied: readonly Applied[]): { pending: MigrationFile[]; ahead: string[] } {
  const byName = new Map(files.map(f => [f.name, f]));
  const lastKnown = files[files.length - 1]?.version;
  const ahead: Array<{ name: string; version: bigint }> = [];
  for (const row of applied) {
    const file = byName.get(row.name);
    const version = versionOf(row.name);
    if (!file && version !== undefined && (lastKnown === undefined || version > lastKnown)) {
      ahead.push({ name: row.name, version });
      continue;
    }
    if (!file) {
      throw new MigrationError('missing', `${row.name} was applied but is no longer among the migration files: restore it. Applied migrations stay as they are; undo a change with a new migration file.`, { file: row.name });
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError('changed', `${row.name} was changed after it was applied (checksum ${row.checksum.slice(0, 12)}… recorded, ${file.checksum.slice(0, 12)}… now): restore the applied text and put the change in a new migration file. Nothing was applied.`, { file: row.name });
    }
  }
  ahead.sort((a, b) => (a.version < b.version ? -1 : 1));
  const appliedNames = new Set(applied.map(r => r.name));
  const last = [...files.filter(f => appliedNames.has(f.name)), ...ahead].pop();
  const pending = files.filter(f => !appliedNames.has(f.name));
  const early = last && pending.find(f => f.version < last.version);
  if (early && last) {
    throw new MigrationError('order', `${early.name} is new but sorts before ${last.name}, which is already applied: give it a number after ${last.version} so it runs last. Nothing was applied.`, { file: early.name });
  }
  return { pending, ahead: ahead.map(a => a.name) };
}

async function applyFile(client: Client, history: string, file: MigrationFile, options: ApplyOptions, lastGood: string | undefined): Promise<void> {
  const started = Date.now();
  await client.query('BEGIN');
  let current = { line: 1, text: '' };
  try {
    for (const statement of splitStatements(file.sql)) {
      current = statement;
      await boundStatement(client, options.deadline, file, statement.line);
      await client.query(statement.text);
    }
    await client.query(`INSERT INTO ${history} (name, checksum, duration_ms) VALUES ($1, $2, $3)`, [file.name, file.checksum, Date.now() - started]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (err instanceof MigrationError) throw err;
    const position = Number(((err ?? {}) as { position?: string }).position);
    const line = Number.isInteger(position) && position > 0 ? current.line + lineIndex(current.text)(position - 1) - 1 : current.line;
    const later = options.files.slice(options.files.indexOf(file) + 1).map(f => f.name);
    throw new MigrationError('sql', `Migration ${file.name} failed at line ${line}: ${describePgError(err)} It was rolled back: the database stays at ${lastGood ?? 'no migration applied'}${later.length > 0 ? `, and ${later.join(', ')} did not run` : ''}.`, { file: file.name, line, sqlState: sqlStateOf(err) });
  }
}

/** Let the server cancel a statement that would outlive the run, rather than leave it behind. */
async function boundStatement(client: Client, deadline: number | undefined, file: MigrationFile, line: number): Promise<void> {
  if (deadline === undefined) return;
  const remaining = deadline - Date.now();
  if (remaining < 1000) {
    throw new MigrationError('timeout', `The migration run ran out of time before ${file.name} line ${line}; the file was rolled back. Split long migrations into smaller files and deploy again.`, { file: file.name, line });
  }
  await client.query("SELECT set_config('statement_timeout', $1, false)", [String(remaining)]);
}
