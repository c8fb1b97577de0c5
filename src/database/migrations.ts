import * as fs from 'fs';
import * as path from 'path';
import { FileSystem, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { checkDrizzleSchema, readDrizzleMigrations } from '../migrations/drizzle';
import { checksumOfSet, MigrationFile, MigrationFilesError, readMigrationDirectory } from '../migrations/files';
import { readPrismaMigrations } from '../migrations/prisma';
import { invalidArgument } from '../private/errors';

/** What the migration function is given: the files as a layer, and the checksum it checks them by. */
export interface MigrationsBinding {
  readonly layer: lambda.ILayerVersion;
  /** Where the layer puts the files in the function. */
  readonly directory: string;
  readonly checksum: string;
}

/**
 * Schema migrations for `SecureDatabase` (the `migrations` prop): where the files come from.
 * Each migration runs once, in its own transaction, in order; applied migrations are recorded
 * with their checksum and must never change.
 */
export abstract class Migrations {
  /**
   * The `.sql` files of a directory, named `<number>_<description>.sql` (for example
   * `0001_create_users.sql`), read and checked at synth and bundled as an asset. The directory
   * must hold at least one such file and nothing else (dotfiles such as `.gitkeep` aside); two
   * files may not share a number.
   *
   * @param directory path of the directory, relative to the working directory of the CDK app
   */
  public static fromDirectory(directory: string): Migrations {
    const dir = path.resolve(directory);
    const files = read('fromDirectory', () => readMigrationDirectory(dir, true));
    // Dotfiles are not migrations; the directory held nothing else when it was checked.
    return new BundledMigrations(files, () => lambda.Code.fromAsset(dir, { exclude: ['.*'] }));
  }

  /**
   * A Prisma Migrate folder (`prisma/migrations`): `migration_lock.toml` with
   * `provider = "postgresql"` and a `<timestamp>_<name>/migration.sql` per migration, run in the
   * order of the folder names, each recorded as `<timestamp>_<name>.sql`. Read and checked at synth.
   *
   * @param directory path of the folder, relative to the working directory of the CDK app
   */
  public static fromPrisma(directory: string): Migrations {
    const migrations = read('fromPrisma', () => readPrismaMigrations(path.resolve(directory)));
    return new BundledMigrations(migrations.files, () => lambda.Code.fromAsset(stage(migrations.files)));
  }

  /**
   * A drizzle-kit folder (the config's `out`, `dialect: 'postgresql'`): the migrations
   * `meta/_journal.json` lists, run in its order, each `<tag>.sql` with its statements separated
   * by `--> statement-breakpoint` and recorded as `<tag>.sql`. Read and checked at synth; the tables
   * must be declared in the construct's schema (`pgSchema('app')`).
   *
   * @param directory path of the folder, relative to the working directory of the CDK app
   */
  public static fromDrizzle(directory: string): Migrations {
    const migrations = read('fromDrizzle', () => readDrizzleMigrations(path.resolve(directory)));
    return new BundledMigrations(migrations.files, () => lambda.Code.fromAsset(stage(migrations.files)), schema => {
      read('fromDrizzle', () => checkDrizzleSchema(migrations, schema));
    });
  }

  /** The names the migrations are recorded by, in the order they run. */
  public abstract readonly fileNames: string[];

  /** @internal */
  public abstract _bind(scope: Construct, schema: string): MigrationsBinding;
}

class BundledMigrations extends Migrations {
  public readonly fileNames: string[];
  private readonly checksum: string;

  constructor(
    files: readonly MigrationFile[],
    private readonly code: () => lambda.Code,
    private readonly checkSchema: (schema: string) => void = () => undefined,
  ) {
    super();
    this.fileNames = files.map(f => f.name);
    this.checksum = checksumOfSet(files);
  }

  public _bind(scope: Construct, schema: string): MigrationsBinding {
    if (!Token.isUnresolved(schema)) this.checkSchema(schema);
    const layer = new lambda.LayerVersion(scope, 'MigrationFiles', {
      code: this.code(),
      compatibleArchitectures: [lambda.Architecture.ARM_64],
      description: `Schema migrations (${this.fileNames.length} files)`,
    });
    return { layer, directory: '/opt', checksum: this.checksum };
  }
}

/** Read with the factory's name on what to fix. */
function read<T>(factory: string, body: () => T): T {
  try {
    return body();
  } catch (err) {
    throw err instanceof MigrationFilesError ? invalidArgument(`Migrations.${factory}: ${err.message}`) : err;
  }
}

const staged: string[] = [];

/**
 * Another tool's migrations, laid out as the migration function and the local stack read a
 * directory: one `<name>.sql` per migration, its text unchanged (so its checksum and line
 * numbers are the tool's file's). The asset is a copy in the cloud assembly; this staging
 * directory is removed when the app exits.
 */
function stage(files: readonly MigrationFile[]): string {
  const dir = FileSystem.mkdtemp('slp-migrations-');
  if (staged.push(dir) === 1) {
    process.once('exit', () => staged.forEach(d => fs.rmSync(d, { recursive: true, force: true })));
  }
  for (const file of files) fs.writeFileSync(path.join(dir, file.name), file.sql);
  return dir;
}
