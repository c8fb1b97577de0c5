/**
 * The runtime of one local function container, a stand-in for the Lambda Node.js runtime: loads
 * the handler module from LAMBDA_TASK_ROOT (the Init phase), then runs one invocation at a time
 * as the local Lambda service sends them over IPC. stdout and stderr are the function's log
 * stream. Like Lambda, an uncaught exception ends the container; the service sees the exit.
 */
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { pathToFileURL } from 'url';
import { ContainerMessage, ContainerState, InspectMessage, InvokeMessage, ReportedError } from './protocol';

type Handler = (event: unknown, context: Record<string, unknown>) => unknown;

const send = (message: ContainerMessage) => process.send?.(message);

function report(err: unknown, fallbackType: string): ReportedError {
  const e = err as { name?: unknown; message?: unknown } | undefined;
  const errorType = typeof e?.name === 'string' && e.name !== 'Error' ? e.name : fallbackType;
  return { errorType, errorMessage: typeof e?.message === 'string' ? e.message : String(err) };
}

/** The stack lines Lambda's Node.js runtime reports as the error's `trace` (none when the code blanked it). */
function trace(err: unknown): string[] {
  const stack = (err as { stack?: unknown } | undefined)?.stack;
  return typeof stack === 'string' ? stack.split('\n').filter((l) => l !== '') : [];
}

function inspect(): ContainerState {
  const packages = new Set<string>();
  for (const file of Object.keys(require.cache)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    if (m) packages.add(m[1]);
  }
  const loaded = (process as unknown as { moduleLoadList: string[] }).moduleLoadList;
  const builtins = loaded.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
  return { rss: process.memoryUsage().rss, packages: [...packages].sort(), builtins };
}

/** `dir/file.export` → the module file (Lambda tries .js, .mjs, .cjs) and the export's name. */
function locate(taskRoot: string, handler: string): { file?: string; exportName: string; moduleName: string } {
  const dot = handler.lastIndexOf('.');
  const moduleName = dot > 0 ? handler.slice(0, dot) : handler;
  const exportName = dot > 0 ? handler.slice(dot + 1) : 'handler';
  const file = ['.js', '.mjs', '.cjs'].map((ext) => path.join(taskRoot, moduleName + ext)).find((f) => fs.existsSync(f));
  return { file, exportName, moduleName };
}

/**
 * An error of the Init phase as the Lambda Node.js runtime reports it (aws-lambda-nodejs-runtime-interface-client,
 * src/function/module-loader.ts, src/utils/errors.ts): a syntax error becomes
 * `Runtime.UserCodeSyntaxError` and a module not found `Runtime.ImportModuleError`, both with the
 * original error's text as message ("Error: Cannot find module 'x'\nRequire stack:\n- ...");
 * anything else thrown while loading (a crash at init) keeps its own name and message.
 */
function initError(err: unknown): unknown {
  if (err instanceof SyntaxError) {
    return Object.assign(new Error(String(err)), { name: 'Runtime.UserCodeSyntaxError' });
  }
  if (err instanceof Error && (err as { code?: unknown }).code === 'MODULE_NOT_FOUND') {
    return Object.assign(new Error(String(err)), { name: 'Runtime.ImportModuleError' });
  }
  return err;
}

async function load(file: string | undefined, moduleName: string): Promise<Record<string, any>> {
  if (!file) {
    // What Node's resolution says when the runtime falls back to require.resolve(module).
    throw Object.assign(new Error(`Cannot find module '${moduleName}'\nRequire stack:\n- ${__filename}`), { code: 'MODULE_NOT_FOUND' });
  }
  return await import(pathToFileURL(file).href) as Record<string, any>;
}

async function init(): Promise<Handler> {
  const handlerName = process.env._HANDLER ?? 'index.handler';
  const { file, exportName, moduleName } = locate(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), handlerName);
  const mod = await load(file, moduleName).catch((err: unknown) => {
    throw initError(err);
  });
  const fn = mod[exportName] ?? mod.default?.[exportName];
  if (typeof fn !== 'function') {
    throw Object.assign(new Error(`${handlerName} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
  return fn as Handler;
}

function context(message: InvokeMessage): Record<string, unknown> {
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'function';
  return {
    awsRequestId: message.id,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${name}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
  };
}

function main(): void {
  const started = performance.now();
  const handlerReady = init();
  let queue = Promise.resolve();
  process.on('message', (message: InvokeMessage | InspectMessage) => {
    if (message?.type === 'inspect') {
      send({ type: 'inspected', id: message.id, state: inspect() });
      return;
    }
    if (message?.type !== 'invoke') return;
    queue = queue.then(async () => {
      const t0 = performance.now();
      try {
        const payload = await (await handlerReady)(message.event, context(message));
        send({ type: 'result', id: message.id, payload: payload ?? null, durationMs: performance.now() - t0 });
      } catch (err) {
        const reported = report(err, 'Error');
        console.error(`ERROR\tInvoke Error\t${JSON.stringify(reported)}`);
        send({ type: 'error', id: message.id, durationMs: performance.now() - t0, ...reported, trace: trace(err) });
      }
    });
  });
  handlerReady.then(
    () => send({ type: 'ready', initMs: performance.now() - started }),
    (err) => {
      const reported = report(err, 'Error');
      // Lambda's runtime logs a failed Init as an uncaught exception ("ERROR\tUncaught Exception\t{...}").
      console.error(`ERROR\tUncaught Exception\t${JSON.stringify(reported)}`);
      send({ type: 'init-error', ...reported });
      process.disconnect?.();
    });
  // The service went away (stopped, or killed): a container never outlives it.
  process.on('disconnect', () => process.exit(0));
  process.on('uncaughtException', (err) => {
    console.error(`ERROR\tUncaught Exception\t${JSON.stringify(report(err, 'Runtime.UncaughtException'))}`);
    process.exit(129);
  });
  process.on('unhandledRejection', (reason) => {
    console.error(`ERROR\tUnhandled Promise Rejection\t${JSON.stringify(report(reason, 'Runtime.UnhandledPromiseRejection'))}`);
    process.exit(128);
  });
}

main();
