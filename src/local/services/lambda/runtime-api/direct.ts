import { ChildProcess, spawn } from 'child_process';
import { performance } from 'perf_hooks';
import { functionArn, RuntimeApiServer } from './server';
import { ContainerMessage, InspectMessage, InvokeMessage } from '../worker/protocol';

/** How the service talks to a container: the same messages whether they cross IPC or not. */
export interface ContainerLink {
  send(message: InvokeMessage | InspectMessage): void;
  onMessage(handler: (message: ContainerMessage) => void): void;
  /** Ask the container to end; it exits on its own (the caller kills it if it does not). */
  close(): void;
}

/**
 * A container on this machine's loopback whose Runtime API is served by this process: the runtime
 * is the container's only process, one hop closer than behind a server process of its own (which
 * a container in a network namespace needs, to have the API on that namespace's loopback). It is
 * spawned at once and told its AWS_LAMBDA_RUNTIME_API on stdin when the server listens, by a
 * shell that then becomes the runtime (`exec`), so its PID is the runtime's.
 */
export function startDirect(command: string, args: readonly string[], env: Readonly<Record<string, string>>, host: string):
{ child: ChildProcess; link: ContainerLink } {
  const started = performance.now();
  const handlers: Array<(m: ContainerMessage) => void> = [];
  const emit = (m: ContainerMessage) => handlers.forEach((h) => h(m));
  const api = new RuntimeApiServer({
    ready: () => emit({ type: 'ready', initMs: performance.now() - started }),
    initError: (e) => emit({ type: 'init-error', ...e }),
    result: (id, payload, durationMs) => emit({ type: 'result', id, payload, durationMs }),
    error: (id, e, durationMs) => emit({ type: 'error', id, durationMs, ...e }),
  });
  // Lambda starts the runtime in the function's code directory (/var/task); a process group, killed as one.
  const child = spawn('/bin/sh', ['-c', 'read -r api && AWS_LAMBDA_RUNTIME_API="$api" exec "$0" "$@"', command, ...args], {
    cwd: env.LAMBDA_TASK_ROOT,
    env: { ...env },
    stdio: ['pipe', 'inherit', 'inherit'],
    detached: true,
  });
  child.stdin!.on('error', () => undefined);
  api.listen(host).then((address) => child.stdin!.end(`${address}\n`), () => child.kill('SIGKILL'));
  child.once('exit', () => api.close());
  const arn = functionArn(env);
  return {
    child,
    link: {
      // A runtime behind the Runtime API has nothing to inspect: only invocations reach it.
      send: (m) => m.type === 'invoke' && api.invoke({ id: m.id, event: m.event, deadline: m.deadline, functionArn: arn }),
      onMessage: (handler) => handlers.push(handler),
      close: () => child.kill('SIGTERM'),
    },
  };
}
