import { stackOptions } from './options';
import { oneLine } from '../../io';
import { Supervisor } from '../platform/supervisor';
import { watchAssembly } from '../stack/reload';
import { firstHealth, Say, startAndDescribe } from '../stack/startup';

/**
 * `local serve`: start every backend of the assembly, print where they answer, then run until
 * SIGINT / SIGTERM (or until a server dies) and stop everything it started.
 */
export async function serve(argv: readonly string[], say: Say): Promise<number> {
  const { stack: options } = stackOptions('local serve', argv, { port: 'integer' }, 3000);
  const supervisor = new Supervisor();
  let exitCode: number | undefined;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const shutdown = (code: number) => {
    if (exitCode !== undefined) return;
    exitCode = code;
    void supervisor.stop().finally(() => wake());
  };
  const onSignal = () => {
    say('stopping');
    shutdown(0);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const stack = await startAndDescribe(options, supervisor, say);
    if (exitCode === undefined) {
      supervisor.onUnexpectedExit = (name, code, signal) => {
        say(`${name} exited unexpectedly (${signal ?? `code ${code}`}): stopping the local stack`);
        shutdown(1);
      };
      const health = await firstHealth(stack.backends[0].apiUrl);
      say(`ready in ${health.seconds.toFixed(2)} s (first GET ${stack.backends[0].apiUrl}health answered ${health.status}); Ctrl-C stops everything`);
      say('watching the assembly: run `cdk synth` again and the functions run the new code');
      const unwatch = watchAssembly(options.assembly, options.stack, stack, say);
      void stopped.then(unwatch);
    }
  } catch (err) {
    if (exitCode !== undefined) {
      // Interrupted while starting: what was started is being stopped.
      say(`stopped while starting: ${oneLine(err)}`);
    } else {
      throw err;
    }
  }
  await stopped;
  return exitCode ?? 0;
}
