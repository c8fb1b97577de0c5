import { costCommand, COST_USAGE } from '../cost/command';
import { oneLine, UsageError } from '../io';
import { local, LOCAL_USAGE } from '../local/commands/local';
import { runComponent } from '../local/components';
import { probeMain } from '../local/platform/probe';
import { rolesMain } from '../local/stack/roles';

type Command = (argv: readonly string[], say: (line: string) => void) => Promise<number>;

/** The CLI's commands; a new one is one more entry. */
const COMMANDS: Record<string, { readonly run: Command; readonly usage: string }> = {
  local: { run: local, usage: LOCAL_USAGE },
  cost: { run: argv => costCommand([...argv]), usage: COST_USAGE },
};

const say = (line: string) => process.stdout.write(line + '\n');

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    say(Object.values(COMMANDS).map((c) => c.usage).join('\n'));
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    throw new UsageError(`unknown command ${name} (commands: ${Object.keys(COMMANDS).join(', ')}); see secure-lambda-postgres --help`);
  }
  return command.run(rest, say);
}

if (process.argv[2] === '__component') {
  runComponent(process.argv[3]);
} else if (process.argv[2] === '__probe') {
  probeMain();
} else if (process.argv[2] === '__roles') {
  rolesMain();
} else {
  main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
    process.stderr.write(`secure-lambda-postgres: ${oneLine(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  });
}
