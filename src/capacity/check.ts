import { Annotations, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { BudgetInput, connectionBudget, DirectClient, explainBudget, PROXY_HEADROOM, smallestClassFor } from './budget';
import { ConnectionBudget } from './options';
import { SecureDatabase } from '../database';
import { DEFAULTS } from '../private/defaults';
import { invalid } from '../private/errors';
import { isWholeNumberIn } from '../private/validate';

/** Acknowledge with `Annotations.of(scope).acknowledgeWarning(CONNECTION_BUDGET_WARNING)`. */
export const CONNECTION_BUDGET_WARNING = 'secure-lambda-postgres:connection-budget';

/**
 * The clients that connect to the instance itself, not through the proxy: one rotation function
 * per rotated secret (they share a schedule, so they may run at once) and the migration function.
 */
export function directClientsOf(database: SecureDatabase): DirectClient[] {
  const rotations = database.rotationFunctionNames.length;
  return [
    ...(rotations > 0 ? [{ name: rotations === 1 ? 'rotation function' : 'rotation functions', connections: rotations }] : []),
    { name: 'migration function', connections: SecureDatabase.MIGRATION_CONNECTIONS },
  ];
}

export interface BudgetSettings {
  readonly instanceType: ec2.InstanceType;
  readonly proxyMaxConnectionsPercent: number;
  readonly connectionsPerContainer?: number;
  readonly reservedConcurrency?: number;
  readonly concurrencyFromBudget?: boolean;
  readonly directClients: DirectClient[];
}

export interface BudgetOutcome {
  /** The budget, when it could be computed at synth. */
  readonly budget?: ConnectionBudget;
  /** The reserved concurrency to configure: the user's, or the budget's with `concurrencyFromBudget`. */
  readonly reservedConcurrency?: number;
}

/**
 * Checks at synth that the function cannot demand more connections than the database gives it:
 * an error when reserved concurrency is over budget, a warning with the suggested cap when none is
 * reserved, and the cap itself with `concurrencyFromBudget`.
 */
export function checkConnectionBudget(scope: Construct, settings: BudgetSettings): BudgetOutcome {
  const perContainer = settings.connectionsPerContainer ?? DEFAULTS.functionConnectionsPerContainer;
  if (!isWholeNumberIn(perContainer, 1)) {
    throw invalid(scope, `functionConnectionsPerContainer must be a whole number of at least 1, got ${perContainer}.`);
  }
  if (settings.concurrencyFromBudget && settings.reservedConcurrency !== undefined) {
    throw invalid(scope, 'functionConcurrencyFromBudget sets the reserved concurrency itself; drop functionReservedConcurrency, or drop functionConcurrencyFromBudget to keep your own cap.');
  }
  const instanceClass = settings.instanceType.toString();
  const input: BudgetInput = {
    instanceClass,
    proxyMaxConnectionsPercent: settings.proxyMaxConnectionsPercent,
    connectionsPerContainer: perContainer,
    reservedConcurrency: settings.reservedConcurrency,
    directClients: settings.directClients,
  };
  const values = {
    databaseInstanceType: instanceClass,
    proxyMaxConnectionsPercent: input.proxyMaxConnectionsPercent,
    functionConnectionsPerContainer: perContainer,
    functionReservedConcurrency: input.reservedConcurrency,
  };
  const tokens = Object.entries(values).filter(([, value]) => value !== undefined && Token.isUnresolved(value)).map(([name]) => name);
  const budget = tokens.length ? undefined : connectionBudget(input);
  if (!budget) {
    const why = tokens.length
      ? `${tokens.join(' and ')} ${tokens.length > 1 ? 'are' : 'is a'} deploy-time token${tokens.length > 1 ? 's' : ''}`
      : `there is no memory figure for ${instanceClass} in secure-lambda-postgres's table`;
    if (settings.concurrencyFromBudget) {
      throw invalid(scope, `functionConcurrencyFromBudget cannot size the concurrency: ${why}. Set functionReservedConcurrency yourself.`);
    }
    const message = `Connection budget not checked: ${why}. Keep functionReservedConcurrency × functionConnectionsPerContainer below what the proxy may open of the instance's max_connections.`;
    if (tokens.length) Annotations.of(scope).addInfoV2(CONNECTION_BUDGET_WARNING, message);
    else Annotations.of(scope).addWarningV2(CONNECTION_BUDGET_WARNING, message);
    return { reservedConcurrency: settings.reservedConcurrency };
  }

  const explanation = explainBudget(budget, input);
  const cap = `${budget.suggestedConcurrency} (${budget.functionConnections} / ${PROXY_HEADROOM} headroom RDS Proxy needs / ${perContainer} connection${perContainer > 1 ? 's' : ''} per container)`;
  if (settings.concurrencyFromBudget) {
    if (budget.suggestedConcurrency < 1) {
      throw invalid(scope, `functionConcurrencyFromBudget found no room for the function: ${explanation}. Choose a larger databaseInstanceType.`);
    }
    return { budget, reservedConcurrency: budget.suggestedConcurrency };
  }
  if (input.reservedConcurrency === undefined) {
    Annotations.of(scope).addWarningV2(CONNECTION_BUDGET_WARNING, `functionReservedConcurrency is not set, so the function can scale to the account's concurrency limit (1,000 by default) while ${explanation}. Suggested cap: ${cap}. Set functionReservedConcurrency: ${budget.suggestedConcurrency} or functionConcurrencyFromBudget: true.`);
    return { budget };
  }
  const demand = input.reservedConcurrency * perContainer;
  if (demand > budget.functionConnections) {
    const larger = smallestClassFor(demand, input);
    throw invalid(scope, `Connection budget exceeded: functionReservedConcurrency ${input.reservedConcurrency} × functionConnectionsPerContainer ${perContainer} = ${demand} connections, but ${explanation}. `
      + `Either lower functionReservedConcurrency to at most ${budget.concurrencyLimit} (${budget.suggestedConcurrency} keeps RDS Proxy's 30 % headroom; or functionConcurrencyFromBudget: true), `
      + `or give the database more connections: ${larger ? `databaseInstanceType ${larger.instanceClass} leaves ${larger.functionConnections}` : 'a larger databaseInstanceType'}${input.proxyMaxConnectionsPercent < 100 ? ', or a higher proxyMaxConnectionsPercent' : ''}.`);
  }
  if (demand > budget.suggestedConcurrency * perContainer) {
    Annotations.of(scope).addWarningV2(CONNECTION_BUDGET_WARNING, `functionReservedConcurrency ${input.reservedConcurrency} × ${perContainer} = ${demand} connections fits (${explanation}) but without the 30 % headroom RDS Proxy needs when it rebalances its nodes. Suggested cap: ${cap}.`);
  }
  return { budget, reservedConcurrency: input.reservedConcurrency };
}
