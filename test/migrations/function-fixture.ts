import { failure, functionDatabase, FunctionDatabase, newLogins } from './function-env';
import { ensureBundle } from '../harness/bundle';
import { LambdaProcess } from '../harness/lambda';
import { rolesEngineOn, RolesEngine } from '../harness/roles';
import { pgbouncerUnavailable, TestStack } from '../harness/stack';

export { failure };

/** Why the built migration function cannot run here, if it cannot. */
export const FUNCTION_SKIP = pgbouncerUnavailable();

/**
 * The built migration function against real PostgreSQL with TLS and the loopback Secrets Manager,
 * for a test file with one database: a stack of its own, an RDS-like database `<name>roles` with
 * its secrets (see `functionDatabase`), and the function processes it started, stopped on tearDown.
 */
export class MigrationFunctionFixture {
  public stack!: TestStack;
  public engine!: RolesEngine;
  /** Known before setUp, so that a test file may destructure them at load time. */
  public readonly app: FunctionDatabase['app'];
  public readonly owner: FunctionDatabase['owner'];
  /** Filled in by setUp. */
  public readonly arns = { master: '', owner: '', app: '' };
  private db!: FunctionDatabase;
  private readonly lambdas: LambdaProcess[] = [];

  constructor(private readonly name: string) {
    ({ app: this.app, owner: this.owner } = newLogins(`${name}roles`));
  }

  public get database(): string {
    return this.db.database;
  }

  public async setUp(): Promise<void> {
    ensureBundle();
    this.stack = await TestStack.start();
    this.engine = rolesEngineOn(this.stack.db, this.stack.certs);
    this.db = await functionDatabase(this.stack, this.engine, `${this.name}roles`, { app: this.app, owner: this.owner });
    Object.assign(this.arns, this.db.arns);
  }

  public async tearDown(): Promise<void> {
    await Promise.all(this.lambdas.map(l => l.stop()));
    await this.stack?.destroy();
  }

  /** What the construct puts in the migration function's environment, pointed at the loopback services. */
  public env(dir: string, overrides: Record<string, string | undefined> = {}): Record<string, string> {
    return this.db.env(dir, overrides);
  }

  /** A function process, stopped by {@link tearDown}. */
  public async start(env: Record<string, string>, handler: string): Promise<LambdaProcess> {
    const l = await LambdaProcess.start(env, handler);
    this.lambdas.push(l);
    return l;
  }
}
