import { classifyStatement, ClientStatement, PinKind, redact } from '../../../src/local/services/rds-proxy/pinning';

const simple = (sql: string): ClientStatement => ({ protocol: 'simple', sql });
const parse = (sql: string, name = ''): ClientStatement => ({ protocol: 'extended', name, sql });

// Each row: a statement and what RDS Proxy does with its session ("Avoiding pinning an RDS Proxy").
const CASES: ReadonlyArray<readonly [string, ClientStatement, PinKind | undefined]> = [
  ['a plain SELECT', simple('SELECT now()'), undefined],
  ['an unnamed extended-protocol statement', parse('SELECT $1::int AS n'), undefined],
  ['a named extended-protocol statement', parse('SELECT $1::int AS n', 'q1'), 'named prepared statement'],
  ['SET', simple("SET statement_timeout = '5s'"), 'SET'],
  ['SET SESSION', simple('SET SESSION search_path TO tenant_a'), 'SET'],
  ['SET TIME ZONE', simple("set time zone 'UTC'"), 'SET'],
  ['SET LOCAL (ends with the transaction)', simple("SET LOCAL statement_timeout = '5s'"), undefined],
  ['SET TRANSACTION', simple('SET TRANSACTION ISOLATION LEVEL SERIALIZABLE'), undefined],
  ['RESET', simple('RESET ALL'), 'RESET'],
  ['set_config for the session', simple("SELECT set_config('app.tenant', 'a', false)"), 'set_config'],
  ['set_config for the transaction', simple("SELECT set_config('app.tenant', 'a', true)"), undefined],
  ['PREPARE', simple('PREPARE q(int) AS SELECT $1'), 'PREPARE'],
  ['EXECUTE', simple('EXECUTE q(1)'), 'EXECUTE'],
  ['DEALLOCATE', simple('DEALLOCATE ALL'), 'DEALLOCATE'],
  ['DISCARD', simple('DISCARD ALL'), 'DISCARD'],
  ['a temporary table', simple('CREATE TEMP TABLE t (id int)'), 'temporary object'],
  ['a temporary sequence', simple('CREATE TEMPORARY SEQUENCE s'), 'temporary object'],
  ['a temporary view', simple('CREATE OR REPLACE TEMP VIEW v AS SELECT 1'), 'temporary object'],
  ['SELECT INTO TEMP', simple('SELECT 1 AS x INTO TEMP t'), 'temporary object'],
  ['a permanent table', simple('CREATE TABLE t (id int)'), undefined],
  ['DECLARE a cursor', simple('DECLARE c CURSOR WITH HOLD FOR SELECT 1'), 'DECLARE cursor'],
  ['LISTEN', simple('LISTEN jobs'), 'LISTEN'],
  ['NOTIFY', simple("NOTIFY jobs, 'x'"), undefined],
  ['LOAD', simple("LOAD 'auto_explain'"), 'LOAD'],
  ['nextval', parse("INSERT INTO t (id) VALUES (nextval('t_id_seq'))"), 'sequence function'],
  ['setval', simple("SELECT setval('s', 10)"), 'sequence function'],
  ['a session advisory lock', parse('SELECT pg_advisory_lock($1)'), 'advisory lock'],
  ['a session advisory try-lock', simple('SELECT pg_try_advisory_lock_shared(1)'), 'advisory lock'],
  ['a transaction advisory lock', simple('SELECT pg_advisory_xact_lock(1)'), undefined],
  ['a statement over 16 KB', simple(`SELECT '${'x'.repeat(16 * 1024)}'`), 'statement over 16 KB'],
  ['a statement of 16 KB', simple(`SELECT 1 -- ${'x'.repeat(16 * 1024 - 12)}`), undefined],
  ['SET in the second statement of a simple query', simple('SELECT 1; SET work_mem = 1'), 'SET'],
  ['a keyword inside a string', simple("SELECT 'SET x = 1; LISTEN y; nextval('')'"), undefined],
  ['a keyword inside a comment', simple('/* LISTEN x */ SELECT 1 -- SET y = 2'), undefined],
  ['a keyword in a dollar-quoted body', simple('SELECT $body$ pg_advisory_lock(1) $body$'), undefined],
  ['UPDATE ... SET', simple("UPDATE t SET name = 'x'"), undefined],
];

describe('classifyStatement', () => {
  test.each(CASES)('%s', (_name, statement, kind) => {
    expect(classifyStatement(statement)?.kind).toBe(kind);
  });
});

describe('redact', () => {
  test.each([
    ["SET statement_timeout = '5s'", 'SET statement_timeout = ?'],
    ['SET search_path TO tenant_a, public', 'SET search_path = ?'],
    ["SELECT set_config('app.tenant', 'acme', false)", 'SELECT set_config(?, ?, false)'],
    ["SELECT pg_advisory_lock(42)   -- secret 'x'", 'SELECT pg_advisory_lock(?)'],
  ])('%s → %s', (sql, excerpt) => {
    expect(redact(sql)).toBe(excerpt);
  });

  test('keeps a long statement to one short line', () => {
    const out = redact(`SELECT ${'a, '.repeat(100)}b\nFROM t`);
    expect(out.length).toBeLessThanOrEqual(80);
    expect(out).not.toContain('\n');
  });
});
