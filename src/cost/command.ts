import { loadStacks } from './assembly';
import { DEFAULT_LOG_GB, estimateCost, formatEstimate, PricingError } from './calculator';
import { UsageError } from '../cli/errors';

export const COST_USAGE = 'secure-lambda-postgres cost [--assembly DIR] [--stack NAME] [--region REGION] [--log-gb GB]';

interface CostArgs {
  readonly assembly: string;
  readonly stack?: string;
  readonly region?: string;
  readonly logGb: number;
}

function parse(argv: string[]): CostArgs | string {
  const values: { [flag: string]: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (!['--assembly', '--stack', '--region', '--log-gb'].includes(flag)) return `unknown argument '${flag}'`;
    const value = argv[++i];
    if (value === undefined || value.startsWith('--')) return `${flag} needs a value`;
    values[flag] = value;
  }
  const logGb = values['--log-gb'] === undefined ? DEFAULT_LOG_GB : Number(values['--log-gb']);
  if (!Number.isFinite(logGb) || logGb < 0) return `--log-gb must be a number of GB, 0 or more, got '${values['--log-gb']}'`;
  return { assembly: values['--assembly'] ?? 'cdk.out', stack: values['--stack'], region: values['--region'], logGb };
}

/**
 * `secure-lambda-postgres cost`: prints the monthly cost estimate of each stack in a cloud
 * assembly. Exit code 0 when every stack was priced, 1 when the assembly is unusable or a stack
 * could not be priced (no region, or a region outside the price table), 2 for bad arguments.
 */
export async function costCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${COST_USAGE}\n`);
    return 0;
  }
  const args = parse(argv);
  if (typeof args === 'string') {
    process.stderr.write(`cost: ${args}. usage: ${COST_USAGE}\n`);
    return 2;
  }
  let stacks;
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
      blocks.push([`Stack ${stack.name}`, ...formatEstimate(estimateCost(stack, { region: args.region, logGbPerMonth: args.logGb }))].join('\n'));
    } catch (e) {
      if (!(e instanceof PricingError)) throw e;
      failed = true;
      blocks.push(`Stack ${stack.name}\n  not estimated: ${e.message}`);
    }
  }
  process.stdout.write(`${blocks.join('\n\n')}\n`);
  return failed ? 1 : 0;
}
