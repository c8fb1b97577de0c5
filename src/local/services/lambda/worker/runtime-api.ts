/**
 * A function container for a runtime that speaks the Lambda Runtime API (Python's awslambdaric,
 * a `provided` runtime's `bootstrap`, Java's runtime interface client): serves the Runtime API on
 * the container's loopback, starts the runtime (`argv`: its command and arguments) with
 * AWS_LAMBDA_RUNTIME_API pointing at it, and relays invocations and outcomes to the local Lambda
 * service over IPC, as the Node.js worker does. It ends with the runtime, and the runtime with it.
 */
import { spawn } from 'child_process';
import { performance } from 'perf_hooks';
import { ContainerMessage, InvokeMessage } from './protocol';
import { RuntimeApiServer } from '../runtime-api/server';

const send = (message: ContainerMessage) => process.send?.(message);

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  const started = performance.now();
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'function';
  const functionArn = `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${name}`;
  let initialized = false;
  const api = new RuntimeApiServer({
    ready: () => {
      initialized = true;
      send({ type: 'ready', initMs: performance.now() - started });
    },
    initError: (e) => send({ type: 'init-error', ...e }),
    result: (id, payload, durationMs) => send({ type: 'result', id, payload, durationMs }),
    error: (id, e, durationMs) => send({ type: 'error', id, durationMs, ...e }),
  });
  const address = await api.listen();
  // Lambda starts the runtime in the function's code directory (/var/task).
  const runtime = spawn(command, args, {
    cwd: process.env.LAMBDA_TASK_ROOT,
    env: { ...process.env, AWS_LAMBDA_RUNTIME_API: address },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  runtime.on('error', (err) => {
    console.error(`ERROR\tRuntime start error\t${JSON.stringify({ errorType: 'Runtime.InvalidEntrypoint', errorMessage: err.message })}`);
    if (!initialized) send({ type: 'init-error', errorType: 'Runtime.InvalidEntrypoint', errorMessage: `cannot start ${command}: ${err.message}` });
    process.exit(127);
  });
  // The container's exit is the runtime's: the service reports Runtime.ExitError with its status.
  runtime.on('exit', (code, signal) => process.exit(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15)));
  process.on('message', (m: InvokeMessage) => {
    if (m?.type === 'invoke') api.invoke({ id: m.id, event: m.event, deadline: m.deadline, functionArn });
  });
  // The service went away or stops the container: the runtime goes (Lambda's SIGTERM, then a kill);
  // the Runtime API stays up until it has, so the runtime sees no failed call on its way out.
  const shutdown = () => {
    runtime.kill('SIGTERM');
    setTimeout(() => runtime.kill('SIGKILL'), 500).unref();
  };
  process.on('disconnect', shutdown);
  process.on('SIGTERM', shutdown);
}

void main();
