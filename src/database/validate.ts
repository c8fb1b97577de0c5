import { RemovalPolicy, Token } from 'aws-cdk-lib';
import { SecureDatabaseOptions } from './options';
import { isWholeNumberIn } from '../private/validate';

export function validateDatabaseOptions(props: SecureDatabaseOptions): void {
  const removalPolicy = props.databaseRemovalPolicy ?? RemovalPolicy.SNAPSHOT;
  if (removalPolicy === RemovalPolicy.DESTROY && (props.databaseDeletionProtection ?? true)) {
    throw new Error('databaseRemovalPolicy DESTROY cannot delete an instance with deletion protection on; also set databaseDeletionProtection: false (throwaway stacks only).');
  }
  const retention = props.databaseBackupRetention;
  if (retention && !Token.isUnresolved(retention.toDays({ integral: false }))) {
    const days = retention.toDays({ integral: false });
    if (!Number.isInteger(days) || days < 1 || days > 35) {
      throw new Error(`databaseBackupRetention must be a whole number of days from 1 to 35 (automated backups stay on), got ${days}.`);
    }
  }
  checkPercent('proxyMaxConnectionsPercent', props.proxyMaxConnectionsPercent, 1);
  checkPercent('proxyMaxIdleConnectionsPercent', props.proxyMaxIdleConnectionsPercent, 0);
  const max = props.proxyMaxConnectionsPercent ?? 100;
  const idle = props.proxyMaxIdleConnectionsPercent ?? 50;
  if (!Token.isUnresolved(max) && !Token.isUnresolved(idle) && idle > max) {
    throw new Error(`proxyMaxIdleConnectionsPercent (${idle}) cannot exceed proxyMaxConnectionsPercent (${max}).`);
  }
  const idleTimeout = props.proxyIdleClientTimeout;
  if (idleTimeout && !Token.isUnresolved(idleTimeout.toSeconds())) {
    const seconds = idleTimeout.toSeconds();
    if (seconds < 60 || seconds > 28800) {
      throw new Error(`proxyIdleClientTimeout must be between 1 minute and 8 hours, got ${idleTimeout.toHumanString()}.`);
    }
  }
  const borrow = props.proxyBorrowTimeout;
  if (borrow && !Token.isUnresolved(borrow.toSeconds()) && borrow.toSeconds() > 300) {
    throw new Error(`proxyBorrowTimeout must be at most 5 minutes, got ${borrow.toHumanString()}.`);
  }
  for (const prop of ['databaseAllocatedStorage', 'databaseMaxAllocatedStorage'] as const) {
    const value = props[prop];
    if (!isWholeNumberIn(value, 20)) {
      throw new Error(`${prop} must be a whole number of GiB, at least 20, got ${value}.`);
    }
  }
  const allocated = props.databaseAllocatedStorage ?? 20;
  const maxAllocated = props.databaseMaxAllocatedStorage;
  if (maxAllocated !== undefined && !Token.isUnresolved(allocated) && !Token.isUnresolved(maxAllocated) && maxAllocated < allocated) {
    throw new Error(`databaseMaxAllocatedStorage (${maxAllocated}) must be at least databaseAllocatedStorage (${allocated}).`);
  }
}

function checkPercent(prop: string, value: number | undefined, min: number): void {
  if (!isWholeNumberIn(value, min, 100)) {
    throw new Error(`${prop} must be a whole number from ${min} to 100, got ${value}.`);
  }
}
