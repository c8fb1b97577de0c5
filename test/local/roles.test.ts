// The roles and migrations a deployment creates, locally: `local serve` bootstraps the owner and
// app roles and applies the migration files with the deploy-time runner's code, PgBouncer serves
// the app role only (as RDS Proxy serves the secrets registered with it), and the function logs in
// as the app role; a new synth with a new file is migrated before the new code serves.
import * as fs from 'fs';
import * as path from 'path';
import { AssetStaging } from 'aws-cdk-lib';
import { Client } from 'pg';
import { CliRun, http, pgpassLogins, synthApp, tempDir } from './helpers';
import { Migrations } from '../../src';
import { pgbouncerUnavailable } from '../harness/stack';

jest.setTimeout(120_000);

let root: string;
let serve: CliRun | undefined;
let migrations: string;

function synth(): string {
  // `cdk synth` is a new process each time; in this one, CDK would reuse the first staging of the directory.
  AssetStaging.clearAssetHashCache();
  return synthApp(path.join(root, 'cdk.out'), { migrations: Migrations.fromDirectory(migrations) });
}

// The third value: why the engine cannot run here (the test prints it and skips), or undefined.
const ENGINES: Array<[string, string[], string | undefined]> = [
  ['the embedded engine, no proxy', ['--postgres', 'embedded', '--proxy', 'none'], undefined],
  ['system PostgreSQL + PgBouncer', ['--postgres', 'system', '--proxy', 'pgbouncer'], pgbouncerUnavailable()],
];

describe.each(ENGINES)('local serve with roles and migrations on %s', (engine, engineArgs, skip) => {
  if (skip) console.warn(`SKIPPED roles and migrations on ${engine}: ${skip}`);
  const maybe = skip ? test.skip : test;
  // Without a proxy the function connects to the instance directly: there is no proxy to refuse anyone.
  const withProxy = engineArgs.includes('pgbouncer') ? maybe : test.skip;
  let ca: string;
  let pgpass: Map<string, string>;
  let db: { host: string; port: number; name: string };
  let proxyPort: number | undefined;
  let api: string;

  afterAll(async () => {
    await serve?.cleanup();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  beforeAll(async () => {
    if (skip) return;
    root = tempDir('roles');
    migrations = path.join(root, 'migrations');
    fs.mkdirSync(migrations);
    fs.writeFileSync(path.join(migrations, '0001_notes.sql'), 'CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);\n');
    serve = CliRun.start(['local', 'serve', '--assembly', synth(), ...engineArgs, '--port', '0']);
    api = (await serve.waitFor(/^api: (\S+)$/m))[1];
    const m = (await serve.waitFor(/^database: postgres:\/\/app@([\d.]+):(\d+)\/(\w+)\n {2}password: in (\S+) \(PGPASSFILE\).*TLS CA (\S+?)(?:; through the proxy: port (\d+))?$/m));
    db = { host: m[1], port: Number(m[2]), name: m[3] };
    pgpass = pgpassLogins(m[4]);
    ca = fs.readFileSync(m[5], 'utf8');
    proxyPort = m[6] === undefined ? undefined : Number(m[6]);
    await serve.waitFor(/^ready in /m);
  });

  const connect = async (user: string, port: number = db.port) => {
    const client = new Client({ host: db.host, port, database: db.name, user, password: pgpass.get(user), ssl: { ca } });
    await client.connect();
    return client;
  };

  maybe('says what it created and applied, and prints the app role as the database login', () => {
    expect(serve!.stdout).toMatch(/^ {2}roles: app_owner owns schema app; the function logs in as app \(DML only\)/m);
    expect(serve!.stdout).toMatch(/^ {2}migrations: 1 applied, 0 already applied/m);
    expect(serve!.stdout).toMatch(/^ {2}admin: postgres:\/\/app_admin@/m);
    expect([...pgpass.keys()].sort()).toEqual(['app', 'app_admin', 'app_owner']);
  });

  maybe('the app role reads and writes the migrated table through the proxy, and may not change the schema', async () => {
    const app = await connect('app', proxyPort);
    try {
      expect((await app.query('SELECT current_user AS u')).rows[0].u).toBe('app');
      await app.query("INSERT INTO notes (body) VALUES ('hello')");
      expect((await app.query('SELECT count(*)::int AS n FROM notes')).rows[0].n).toBe(1);
      await expect(app.query('CREATE TABLE evil (id int)')).rejects.toThrow(/permission denied/);
      await expect(app.query('DROP TABLE notes')).rejects.toThrow(/must be owner/);
    } finally {
      await app.end();
    }
  });

  withProxy('the proxy serves the app role only: the owner and the master, with their own passwords, are refused', async () => {
    expect(proxyPort).toBeDefined();
    for (const user of ['app_owner', 'app_admin']) {
      await expect(connect(user, proxyPort)).rejects.toThrow(`This RDS proxy has no credentials for the role ${user}. Check the credentials for this role and try again.`);
      // The same login works on the instance itself: it is the proxy that refuses it.
      await (await connect(user)).end();
    }
    await (await connect('app', proxyPort)).end();
  });

  maybe('the master user logs in to the instance itself', async () => {
    const admin = await connect('app_admin');
    await admin.end();
  });

  maybe('the function answers through the proxy as the app role', async () => {
    expect((await http(`${api}health`)).status).toBe(200);
  });

  maybe('a new synth with a new migration file is migrated before the new code serves', async () => {
    fs.writeFileSync(path.join(migrations, '0002_tags.sql'), 'CREATE TABLE tags (id serial PRIMARY KEY, name text NOT NULL);\n');
    synth();
    const migrated = await serve!.waitFor(/^LocalTest\/Backend: migrations: 1 applied, 1 already applied/m);
    const reloaded = await serve!.waitFor(/^reloaded LocalTest\/Backend/m);
    // The order of events: the new file applied, then the new code serves.
    expect(migrated.index).toBeLessThan(reloaded.index!);
    const app = await connect('app', proxyPort);
    try {
      await app.query("INSERT INTO tags (name) VALUES ('new')");
    } finally {
      await app.end();
    }
  });

  maybe('a new synth with a failing file is not served: the file is named with its line, the old code keeps serving', async () => {
    fs.writeFileSync(path.join(migrations, '0003_broken.sql'), 'SELECT 1;\nCREATE TABLE broken (id int REFERENCES nowhere (id));\n');
    synth();
    await serve!.waitFor(/^LocalTest\/Backend: not reloaded: migrations: Migration 0003_broken\.sql failed at line 2: relation "nowhere" does not exist.*; the previous code keeps serving$/m);
    expect((await http(`${api}health`)).status).toBe(200);
    expect((await serve!.stop('SIGTERM')).code).toBe(0);
  });
});
