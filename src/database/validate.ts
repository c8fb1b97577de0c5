import { RemovalPolicy, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { DatabaseAuthentication, SecureDatabaseOptions } from './options';
import { DEFAULTS } from '../private/defaults';
import { invalid } from '../private/errors';
import { checkEnum, isWholeNumberIn } from '../private/validate';

export function validateDatabaseOptions(scope: IConstruct, props: SecureDatabaseOptions): void {
  checkEnum(scope, 'databaseAuthentication', props.databaseAuthentication, 'DatabaseAuthentication', DatabaseAuthentication);
  checkEnum(scope, 'databaseRemovalPolicy', props.databaseRemovalPolicy, 'RemovalPolicy', RemovalPolicy);
  checkEnum(scope, 'databaseLogRetention', props.databaseLogRetention, 'RetentionDays', logs.RetentionDays);
  const removalPolicy = props.databaseRemovalPolicy ?? DEFAULTS.databaseRemovalPolicy;
  if (removalPolicy === RemovalPolicy.DESTROY && (props.databaseDeletionProtection ?? DEFAULTS.databaseDeletionProtection)) {
    throw invalid(scope, 'databaseRemovalPolicy DESTROY cannot delete an instance with deletion protection on; also set databaseDeletionProtection: false (throwaway stacks only).');
  }
  const retention = props.databaseBackupRetention;
  if (retention && !Token.isUnresolved(retention.toDays({ integral: false }))) {
    const days = retention.toDays({ integral: false });
    if (!Number.isInteger(days) || days < 1 || days > 35) {
      throw invalid(scope, `databaseBackupRetention must be a whole number of days from 1 to 35 (automated backups stay on), got ${days}.`);
    }
  }
  checkPercent(scope, 'proxyMaxConnectionsPercent', props.proxyMaxConnectionsPercent, 1);
  checkPercent(scope, 'proxyMaxIdleConnectionsPercent', props.proxyMaxIdleConnectionsPercent, 0);
  const max = props.proxyMaxConnectionsPercent ?? DEFAULTS.proxyMaxConnectionsPercent;
  const idle = props.proxyMaxIdleConnectionsPercent ?? DEFAULTS.proxyMaxIdleConnectionsPercent;
  if (!Token.isUnresolved(max) && !Token.isUnresolved(idle) && idle > max) {
    throw invalid(scope, `proxyMaxIdleConnectionsPercent (${idle}) cannot exceed proxyMaxConnectionsPercent (${max}).`);
  }
  const idleTimeout = props.proxyIdleClientTimeout;
  if (idleTimeout && !Token.isUnresolved(idleTimeout.toSeconds())) {
    const seconds = idleTimeout.toSeconds();
    if (seconds < 60 || seconds > 28800) {
      throw invalid(scope, `proxyIdleClientTimeout must be between 1 minute and 8 hours, got ${idleTimeout.toHumanString()}.`);
    }
  }
  const borrow = props.proxyBorrowTimeout;
  if (borrow && !Token.isUnresolved(borrow.toSeconds()) && borrow.toSeconds() > 300) {
    throw invalid(scope, `proxyBorrowTimeout must be at most 5 minutes, got ${borrow.toHumanString()}.`);
  }
  for (const prop of ['databaseAllocatedStorage', 'databaseMaxAllocatedStorage'] as const) {
    const value = props[prop];
    if (!isWholeNumberIn(value, 20)) {
      throw invalid(scope, `${prop} must be a whole number of GiB, at least 20, got ${value}.`);
    }
  }
  const allocated = props.databaseAllocatedStorage ?? DEFAULTS.databaseAllocatedStorage;
  const maxAllocated = props.databaseMaxAllocatedStorage;
  if (maxAllocated !== undefined && !Token.isUnresolved(allocated) && !Token.isUnresolved(maxAllocated) && maxAllocated < allocated) {
    throw invalid(scope, `databaseMaxAllocatedStorage (${maxAllocated}) must be at least databaseAllocatedStorage (${allocated}).`);
  }
}

function checkPercent(scope: IConstruct, prop: string, value: number | undefined, min: number): void {
  if (!isWholeNumberIn(value, min, 100)) {
    throw invalid(scope, `${prop} must be a whole number from ${min} to 100, got ${value}.`);
  }
}
