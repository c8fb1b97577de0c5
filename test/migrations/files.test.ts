import * as fs from 'fs';
import * as path from 'path';
import { checksumOf, checksumOfSet, orderMigrationNames, readMigrationDirectory } from '../../src/migrations/files';
import { scramVerifier } from '../../src/migrations/scram';
import { splitStatements } from '../../src/migrations/statements';
import { makeTempDir, removeDir } from '../harness/util';

describe('splitting a file into statements', () => {
  test('at top-level semicolons, each with the line of its first token', () => {
    const sql = [
      '-- leading comment; not a statement',
      'CREATE TABLE a (x text DEFAULT \'a;b\'); /* c; */ CREATE TABLE "b;" (y int);',
      '',
      "INSERT INTO a VALUES (E'it\\'s; fine');",
      'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$',
      'BEGIN',
      '  RETURN 1; -- inside the body',
      'END',
      '$body$;',
      "DO $$ BEGIN RAISE NOTICE 'x;'; END $$;",
      'SELECT $1::int, a$b FROM t; /* nested /* block; */ comment */',
      '-- trailing comment',
    ].join('\n');
    expect(splitStatements(sql)).toEqual([
      { line: 2, text: "CREATE TABLE a (x text DEFAULT 'a;b')" },
      { line: 2, text: 'CREATE TABLE "b;" (y int)' },
      { line: 4, text: "INSERT INTO a VALUES (E'it\\'s; fine')" },
      { line: 5, text: 'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$\nBEGIN\n  RETURN 1; -- inside the body\nEND\n$body$' },
      { line: 10, text: "DO $$ BEGIN RAISE NOTICE 'x;'; END $$" },
      { line: 11, text: 'SELECT $1::int, a$b FROM t' },
    ]);
  });

  test('a file of comments only has no statements; a last statement needs no semicolon', () => {
    expect(splitStatements('-- nothing\n/* here */\n')).toEqual([]);
    expect(splitStatements('SELECT 1;\nSELECT 2')).toEqual([{ line: 1, text: 'SELECT 1' }, { line: 2, text: 'SELECT 2' }]);
  });

  test("at drizzle-kit's --> statement-breakpoint too, as Drizzle's migrator splits, keeping the file's lines", () => {
    const sql = [
      'CREATE TABLE a (x int)',
      '--> statement-breakpoint',
      'CREATE TABLE b (y int);--> statement-breakpoint',
      'INSERT INTO a VALUES (1)--> statement-breakpoint INSERT INTO a VALUES (2);',
      "SELECT '--> statement-breakpoint';",
    ].join('\n');
    expect(splitStatements(sql)).toEqual([
      { line: 1, text: 'CREATE TABLE a (x int)' },
      { line: 3, text: 'CREATE TABLE b (y int)' },
      { line: 4, text: 'INSERT INTO a VALUES (1)' },
      { line: 4, text: 'INSERT INTO a VALUES (2)' },
      { line: 5, text: "SELECT '--> statement-breakpoint'" },
    ]);
  });
});

describe('migration file names', () => {
  test('order by their number, not their spelling', () => {
    expect(orderMigrationNames(['10_c.sql', '2-b.sql', '0001_a.sql', '20240101120000.sql']).map(f => f.name))
      .toEqual(['0001_a.sql', '2-b.sql', '10_c.sql', '20240101120000.sql']);
  });

  test.each([
    [['1_a.sql', '001_b.sql'], /'1_a\.sql' and '001_b\.sql' share the number 1: give each migration its own number/],
    [['init.sql'], /'init\.sql' is not a migration file name\. Name each file <number>_<description>\.sql/],
    [['1 a.sql'], /'1 a\.sql' is not a migration file name/],
  ])('reject %j', (names, message) => {
    expect(() => orderMigrationNames(names)).toThrow(message);
  });
});

describe('reading a directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('files');
  });
  afterEach(() => removeDir(dir));

  test('strictly at synth: only .sql files (dotfiles aside); leniently in the function', () => {
    fs.writeFileSync(path.join(dir, '1_a.sql'), 'SELECT 1;');
    fs.writeFileSync(path.join(dir, '.gitkeep'), '');
    expect(readMigrationDirectory(dir, true).map(f => f.name)).toEqual(['1_a.sql']);
    fs.mkdirSync(path.join(dir, 'extensions'));
    expect(() => readMigrationDirectory(dir, true)).toThrow(/holds 'extensions' \(a directory\), which is not a \.sql file/);
    expect(readMigrationDirectory(dir, false).map(f => f.name)).toEqual(['1_a.sql']);
  });

  test('checksums ignore a BOM and line endings; the set checksum follows every file', () => {
    expect(checksumOf('\uFEFFa\r\nb\rc')).toBe(checksumOf('a\nb\nc'));
    fs.writeFileSync(path.join(dir, '1_a.sql'), 'SELECT 1;');
    const before = checksumOfSet(readMigrationDirectory(dir, true));
    fs.writeFileSync(path.join(dir, '1_a.sql'), 'SELECT 2;');
    expect(checksumOfSet(readMigrationDirectory(dir, true))).not.toBe(before);
  });
});

test('the SCRAM verifier is the one PostgreSQL computes (its own regression test\'s)', () => {
  // PostgreSQL's regression tests store this verifier for the password "pencil" (the RFC 7677 example).
  const verifier = scramVerifier('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'));
  expect(verifier).toBe('SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=');
  expect(scramVerifier('pässword')).toBeUndefined();
});
