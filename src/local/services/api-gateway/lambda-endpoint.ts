import { randomUUID } from 'crypto';
import { IncomingMessage, ServerResponse } from 'http';
import { PlatformLog, reportInvocation } from './gateway';
import { FunctionPool } from '../lambda/pool';

/**
 * The Lambda Invoke API for direct invocation (`aws lambda invoke --endpoint-url ...`, or any
 * SDK): `POST /2015-03-31/functions/{name}/invocations` with the event as the body. A function
 * error answers 200 with `X-Amz-Function-Error: Unhandled`, as Lambda does.
 */
export class LambdaEndpoint {
  constructor(private readonly names: readonly string[], private readonly pool: FunctionPool, private readonly log: PlatformLog) {}

  public handle(req: IncomingMessage, res: ServerResponse): void {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(new URL(req.url ?? '/', 'http://localhost').pathname);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };
    if (req.method !== 'POST' || !match) {
      return send(404, { Type: 'User', message: 'Unknown operation' }, { 'x-amzn-errortype': 'UnknownOperationException' });
    }
    const name = decodeURIComponent(match[1]);
    if (!this.names.includes(name)) {
      return send(404, { Type: 'User', message: `Function not found: ${name} (local functions: ${this.names.join(', ')})` }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let event: unknown;
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        event = text === '' ? {} : JSON.parse(text);
      } catch {
        return send(400, { Type: 'User', message: 'Could not parse request body into json' }, { 'x-amzn-errortype': 'InvalidRequestContentException' });
      }
      const requestId = randomUUID();
      void this.pool.invoke(event, requestId).then((outcome) => {
        reportInvocation(this.log, requestId, outcome);
        const ids = { 'x-amzn-requestid': requestId, 'x-amz-executed-version': '$LATEST' };
        if (outcome.ok) return send(200, outcome.payload, ids);
        if (outcome.kind === 'throttled') return send(429, { Type: 'User', message: 'Rate Exceeded.' }, { ...ids, 'x-amzn-errortype': 'TooManyRequestsException' });
        return send(200, { errorType: outcome.errorType, errorMessage: outcome.errorMessage }, { ...ids, 'x-amz-function-error': 'Unhandled' });
      });
    });
  }
}
