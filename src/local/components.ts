import { oneLine, UsageError } from '../io';
import { ComponentStarter, FromComponent, RunningComponent, ToComponent } from './platform/component-protocol';
import { startEcho } from './replica/echo';
import { startApi } from './services/api-gateway/component';
import { startRdsProxy } from './services/rds-proxy/component';
import { startSecrets } from './services/secrets-manager/component';

const COMPONENTS: Record<string, ComponentStarter> = {
  'api': startApi,
  'echo': startEcho,
  'rds-proxy': startRdsProxy,
  'secrets-manager': startSecrets,
};

/**
 * The process side of a component (`secure-lambda-postgres __component NAME`): waits for its
 * config over IPC, starts, reports `ready`, and stops when told (SIGTERM / SIGINT) or when the
 * supervisor goes away (the IPC channel closes), so it never outlives the supervisor.
 */
export function runComponent(name: string): void {
  const start = COMPONENTS[name];
  const notify = (message: FromComponent) => process.send?.(message);
  if (!start || !process.send) {
    console.error(`unknown component ${name}`);
    process.exit(2);
  }
  let running: RunningComponent | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await running?.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on('message', (message: ToComponent) => {
    if (message.type !== 'start') {
      running?.onMessage?.(message);
      return;
    }
    start(message.config, notify).then((r) => {
      running = r;
      notify({ type: 'ready', info: r.info });
    }, (err) => {
      const failed: FromComponent = { type: 'failed', message: oneLine(err), usage: err instanceof UsageError };
      process.send!(failed, () => process.exit(1));
    });
  });
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
}
