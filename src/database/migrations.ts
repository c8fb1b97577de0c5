import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { checksumOfSet, MigrationFilesError, readMigrationDirectory } from '../migrations/files';

/** What the migration function is given: the files as a layer, and the checksum it checks them by. */
export interface MigrationsBinding {
  readonly layer: lambda.ILayerVersion;
  /** Where the layer puts the files in the function. */
  readonly directory: string;
  readonly checksum: string;
}

/**
 * Schema migrations for `SecureDatabase` (the `migrations` prop): where the files come from.
 * Each file runs once, in its own transaction, in the order of the number its name starts with;
 * applied files are recorded with their checksum and must never change.
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
    return new DirectoryMigrations(directory);
  }

  /** The files' names, in the order they run. */
  public abstract readonly fileNames: string[];

  /** @internal */
  public abstract _bind(scope: Construct): MigrationsBinding;
}

class DirectoryMigrations extends Migrations {
  public readonly fileNames: string[];
  private readonly directory: string;
  private readonly checksum: string;

  constructor(directory: string) {
    super();
    this.directory = path.resolve(directory);
    let files;
    try {
      files = readMigrationDirectory(this.directory, true);
    } catch (err) {
      throw err instanceof MigrationFilesError ? new Error(`Migrations.fromDirectory: ${err.message}`) : err;
    }
    this.fileNames = files.map(f => f.name);
    this.checksum = checksumOfSet(files);
  }

  public _bind(scope: Construct): MigrationsBinding {
    const layer = new lambda.LayerVersion(scope, 'MigrationFiles', {
      // Dotfiles are not migrations; the directory held nothing else when it was checked.
      code: lambda.Code.fromAsset(this.directory, { exclude: ['.*'] }),
      compatibleArchitectures: [lambda.Architecture.ARM_64],
      description: `Schema migrations (${this.fileNames.length} files)`,
    });
    return { layer, directory: '/opt', checksum: this.checksum };
  }
}
