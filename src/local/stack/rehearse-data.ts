import { randomBytes } from 'crypto';
import * as fs from 'fs';
import { Client } from 'pg';
import { RunningBackend } from './backend';
import { quoteIdent } from '../../migrations/sql';

/** The rehearsal's own table, in the application schema; dropped when the rehearsal ends. */
export const MARKER_TABLE = 'slp_rehearsal_marker';

/** What OLD's migrations left in the schema: every table with its columns and row count. */
export type SchemaData = ReadonlyMap<string, { readonly columns: readonly string[]; readonly rows: number }>;

/**
 * The rehearsal's hold on one backend's database: a row written as the owner (the role the
 * migrations run as) into a table of its own, and the tables OLD's migrations created, so that
 * every later step can check that neither was lost.
 */
export class RehearsalData {
  /** Connect as the owner role (the master user when the template has no roles) and write the marker. */
  public static async start(b: RunningBackend, caFile: string): Promise<RehearsalData> {
    const data = new RehearsalData(b, caFile);
    await data.asOwner(async (c) => {
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${data.schema}`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${data.table} (token text PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT now())`);
      await c.query(`INSERT INTO ${data.table} (token) VALUES ($1)`, [data.token]);
    });
    return data;
  }

  /** The role the marker is written as. */
  public readonly role: string;
  private readonly token = randomBytes(12).toString('hex');
  private readonly schemaName: string;
  private baseline: SchemaData = new Map();

  private constructor(private readonly backend: RunningBackend, private readonly caFile: string) {
    this.schemaName = backend.roles?.spec.schema ?? 'public';
    this.role = backend.roles?.owner.user ?? backend.database.user;
  }

  /** The marker table, schema-qualified, as printed. */
  public get tableName(): string {
    return `${this.schemaName}.${MARKER_TABLE}`;
  }

  /** ... and as written in SQL. */
  private get table(): string {
    return `${this.schema}.${quoteIdent(MARKER_TABLE)}`;
  }

  /** Remember what is in the schema now (OLD's data), marker table aside. */
  public async remember(): Promise<string> {
    this.baseline = await this.asOwner((c) => schemaData(c, this.schemaName));
    const rows = [...this.baseline.values()].reduce((n, t) => n + t.rows, 0);
    return `${this.baseline.size} tables (${[...this.baseline.keys()].join(', ') || 'none'}), ${rows} rows`;
  }

  /** What was lost since {@link remember}: the marker row, tables, columns or rows; empty when nothing. */
  public async losses(): Promise<string[]> {
    return this.asOwner(async (c) => {
      const lost: string[] = [];
      const marker = await c.query(`SELECT 1 FROM ${this.table} WHERE token = $1`, [this.token]).catch(() => ({ rowCount: 0 }));
      if (marker.rowCount !== 1) lost.push(`the marker row in ${this.tableName}`);
      const now = await schemaData(c, this.schemaName);
      for (const [name, before] of this.baseline) {
        const after = now.get(name);
        if (!after) {
          lost.push(`table ${name}`);
          continue;
        }
        const columns = before.columns.filter((col) => !after.columns.includes(col));
        if (columns.length > 0) lost.push(`column${columns.length > 1 ? 's' : ''} ${columns.map((col) => `${name}.${col}`).join(', ')}`);
        if (after.rows < before.rows) lost.push(`${before.rows - after.rows} of ${before.rows} rows of ${name}`);
      }
      return lost;
    });
  }

  /** Drop the rehearsal's table. */
  public async drop(): Promise<void> {
    await this.asOwner((c) => c.query(`DROP TABLE IF EXISTS ${this.table}`));
  }

  private get schema(): string {
    return quoteIdent(this.schemaName);
  }

  private async asOwner<T>(body: (client: Client) => Promise<T>): Promise<T> {
    const { host, port, name } = this.backend.database;
    const password = this.backend.roles?.owner.password ?? this.backend.password;
    const client = new Client({
      host,
      port,
      database: name,
      user: this.role,
      password,
      ssl: { ca: fs.readFileSync(this.caFile, 'utf8'), rejectUnauthorized: true },
      connectionTimeoutMillis: 10_000,
      statement_timeout: 30_000,
      application_name: 'secure-lambda-postgres-rehearse',
    });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await body(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** Every table of `schema` but the marker's, with its columns and exact row count. */
async function schemaData(c: Client, schema: string): Promise<SchemaData> {
  const { rows } = await c.query<{ table: string; columns: string[] }>(
    `SELECT c.relname AS table, array_agg(a.attname::text ORDER BY a.attnum) AS columns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname <> $2
      GROUP BY c.relname ORDER BY c.relname`, [schema, MARKER_TABLE]);
  const out = new Map<string, { columns: string[]; rows: number }>();
  for (const r of rows) {
    const count = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(schema)}.${quoteIdent(r.table)}`);
    out.set(r.table, { columns: r.columns, rows: Number(count.rows[0].n) });
  }
  return out;
}
