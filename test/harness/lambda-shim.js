// A tiny stand-in for the Lambda Node.js runtime, one process per "container": loads the handler
// module at start (the Init phase), then runs one invocation at a time as the parent sends them
// over IPC. Like Lambda, an uncaught exception or unhandled rejection kills the container; the
// parent sees the exit. stdout/stderr are the function's log stream.
'use strict';
const handlerPath = process.env.SLP_HANDLER_PATH;
let mod;
try {
  mod = require(handlerPath);
} catch (err) {
  process.send({ type: 'init-error', name: err && err.name, message: err && err.message });
  process.exit(1);
}
let queue = Promise.resolve();
process.on('message', (msg) => {
  if (!msg || msg.type !== 'invoke') return;
  queue = queue.then(async () => {
    try {
      const result = await mod.handler(msg.event, { awsRequestId: msg.requestId, functionName: 'secure-lambda-postgres-test' });
      process.send({ type: 'result', id: msg.id, result: result === undefined ? null : result });
    } catch (err) {
      // What the Lambda runtime reports for a thrown error: type and message (and, in the real
      // runtime, a stack; the test asserts the handler never throws).
      process.send({ type: 'result', id: msg.id, thrown: { name: err && err.name, message: err && err.message, stack: err && err.stack } });
    }
  });
});
process.send({ type: 'ready' });
