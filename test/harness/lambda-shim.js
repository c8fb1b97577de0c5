// A tiny stand-in for the Lambda Node.js runtime, one process per "container": loads the handler
// module at start (the Init phase), then runs one invocation at a time as the parent sends them
// over IPC. Like Lambda, an uncaught exception or unhandled rejection kills the container, and an
// invocation still running at the function's timeout is reported as timed out and the container
// is discarded; the parent sees the exit. stdout/stderr are the function's log stream.
//
// The function's timeout is SLP_LAMBDA_TIMEOUT_MS (to simulate a context that disagrees with the
// environment), else FUNCTION_TIMEOUT_MS, else 10 s; the context's getRemainingTimeInMillis()
// counts down from it, as Lambda's does.
'use strict';
const { performance } = require('perf_hooks');

const handlerPath = process.env.SLP_HANDLER_PATH;
const timeoutMs = Number(process.env.SLP_LAMBDA_TIMEOUT_MS || process.env.FUNCTION_TIMEOUT_MS || 10000);
let mod;
const initStarted = performance.now();
try {
  mod = require(handlerPath);
} catch (err) {
  process.send({ type: 'init-error', name: err && err.name, message: err && err.message });
  process.exit(1);
}
const initMs = performance.now() - initStarted;

/** Names of the npm packages this process has loaded (node_modules/<name>/...). */
function loadedPackages() {
  const names = new Set();
  for (const file of Object.keys(require.cache)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    if (m) names.add(m[1]);
  }
  return [...names].sort();
}

async function invoke(msg) {
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  const context = {
    awsRequestId: msg.requestId,
    functionName: 'secure-lambda-postgres-test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let timer;
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([mod.handler(msg.event, context), timedOut]);
    if (outcome === 'timed-out') {
      process.send({ type: 'result', id: msg.id, thrown: { name: 'Sandbox.Timedout', message: `Task timed out after ${timeoutMs} ms` } });
      // Lambda discards the execution environment of a timed-out invocation.
      setImmediate(() => process.exit(124));
      return;
    }
    process.send({ type: 'result', id: msg.id, result: outcome === undefined ? null : outcome, durationMs: performance.now() - started });
  } catch (err) {
    // What the Lambda runtime reports for a thrown error: type and message (and, in the real
    // runtime, a stack; the tests assert the handler never throws).
    process.send({ type: 'result', id: msg.id, thrown: { name: err && err.name, message: err && err.message, stack: err && err.stack } });
  } finally {
    clearTimeout(timer);
  }
}

let queue = Promise.resolve();
process.on('message', (msg) => {
  if (!msg) return;
  if (msg.type === 'inspect') {
    const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
    process.send({ type: 'inspected', id: msg.id, rss: process.memoryUsage().rss, packages: loadedPackages(), builtins });
  } else if (msg.type === 'invoke') {
    queue = queue.then(() => invoke(msg));
  }
});
process.send({ type: 'ready', initMs });
