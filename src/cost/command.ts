import { loadStacks, StackTemplate } from './assembly';
import { DEFAULT_LOG_GB, estimateCost, formatEstimate, PricingError } from './calculator';
import { PRICE_TABLE } from './prices';
import { DEFAULT_TRAFFIC, Traffic } from './traffic';
import { formatTraffic, formatTrafficTable } from './traffic-format';
import { UsageError } from '../io';

export const COST_USAGE = 'secure-lambda-postgres cost [--assembly DIR] [--stack NAME] [--region REGION] [--log-gb GB] '
  + `[--requests-per-month N [--avg-duration-ms D (default ${DEFAULT_TRAFFIC.avgDurationMs})] [--response-kb K (default ${DEFAULT_TRAFFIC.responseKb})] `
  + `[--egress-kb E (default ${DEFAULT_TRAFFIC.egressKb})]] (without N: a table at 0, 1 M, 10 M and 100 M requests a month)`;

interface CostArgs {
  readonly assembly: string;
  readonly stack?: string;
  readonly region?: string;
  readonly logGb: number;
  /** Without a request count, the table of volumes. */
  readonly requestsPerMonth?: number;
  readonly traffic: Omit<Traffic, 'requestsPerMonth'>;
}

const FLAGS = ['--assembly', '--stack', '--region', '--log-gb', '--requests-per-month', '--avg-duration-ms', '--response-kb', '--egress-kb'];

/** A numeric flag's value, its default when absent; throws a `UsageError` naming the flag. */
function numberFlag(values: { [flag: string]: string }, flag: string, fallback: number, unit: string, valid: (n: number) => boolean): number {
  const raw = values[flag];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || !valid(n)) throw new UsageError(`${flag} must be ${unit}, got '${raw}'`);
  return n;
}

function parse(argv: string[]): CostArgs {
  const values: { [flag: string]: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (!FLAGS.includes(flag)) throw new UsageError(`unknown argument '${flag}'`);
    const value = argv[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    values[flag] = value;
  }
  const atLeastZero = (n: number) => n >= 0;
  const requests = values['--requests-per-month'] === undefined ? undefined
    : numberFlag(values, '--requests-per-month', 0, 'a whole number of requests, 0 or more', n => n >= 0 && Number.isInteger(n));
  return {
    assembly: values['--assembly'] ?? 'cdk.out',
    stack: values['--stack'],
    region: values['--region'],
    logGb: numberFlag(values, '--log-gb', DEFAULT_LOG_GB, 'a number of GB, 0 or more', atLeastZero),
    requestsPerMonth: requests,
    traffic: {
      // Lambda bills at least 1 ms and runs an invocation for at most 15 minutes.
      avgDurationMs: numberFlag(values, '--avg-duration-ms', DEFAULT_TRAFFIC.avgDurationMs, 'a number of ms from 1 to 900000', n => n >= 1 && n <= 900_000),
      responseKb: numberFlag(values, '--response-kb', DEFAULT_TRAFFIC.responseKb, 'a number of KB, 0 or more', atLeastZero),
      egressKb: numberFlag(values, '--egress-kb', DEFAULT_TRAFFIC.egressKb, 'a number of KB, 0 or more', atLeastZero),
    },
  };
}

/** One stack's estimate: the fixed part, then its traffic (one volume, or the table). */
function estimateStack(stack: StackTemplate, args: CostArgs): string[] {
  const estimate = estimateCost(stack, { region: args.region, logGbPerMonth: args.logGb });
  const prices = PRICE_TABLE.regions[estimate.region];
  const traffic = args.requestsPerMonth === undefined
    ? formatTrafficTable(stack, prices, estimate.total, args.traffic)
    : formatTraffic(stack, prices, estimate.total, { ...args.traffic, requestsPerMonth: args.requestsPerMonth });
  return [...formatEstimate(estimate), ...traffic];
}

/**
 * `secure-lambda-postgres cost`: prints the monthly cost estimate of each stack in a cloud
 * assembly, its fixed part and what its traffic adds. Exit code 0 when every stack was priced, 1
 * when the assembly is unusable or a stack could not be priced (no region, or a region outside the
 * price table), 2 for bad arguments.
 */
export async function costCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${COST_USAGE}\n`);
    return 0;
  }
  let args: CostArgs;
  let stacks;
  try {
    args = parse(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`cost: ${e.message}. usage: ${COST_USAGE}\n`);
    return 2;
  }
  try {
    stacks = loadStacks(args.assembly).filter(s => args.stack === undefined || s.name === args.stack);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`cost: ${e.message}\n`);
    return 2;
  }
  if (stacks.length === 0) {
    process.stderr.write(`cost: ${args.stack ? `no stack named ${args.stack}` : 'no CloudFormation stacks'} in ${args.assembly}\n`);
    return 2;
  }
  let failed = false;
  const blocks: string[] = [];
  for (const stack of stacks) {
    try {
      blocks.push([`Stack ${stack.name}`, ...estimateStack(stack, args)].join('\n'));
    } catch (e) {
      if (!(e instanceof PricingError)) throw e;
      failed = true;
      blocks.push(`Stack ${stack.name}\n  not estimated: ${e.message}`);
    }
  }
  process.stdout.write(`${blocks.join('\n\n')}\n`);
  return failed ? 1 : 0;
}
