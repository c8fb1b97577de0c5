import * as http from 'http';
import { AddressInfo } from 'net';
import { Gateway, gatewayError } from './gateway';
import { LambdaEndpoint } from './lambda-endpoint';
import { UsageError } from '../../../io';
import { ApiSpec } from '../../assembly/model';
import { ComponentStarter } from '../../platform/component-protocol';
import { FunctionPool, PoolOptions } from '../lambda/pool';

/** Config of the API component: the stage, the function's containers and where to listen. */
export interface ApiConfig {
  readonly api: ApiSpec;
  readonly pool: Omit<PoolOptions, 'onSpawn' | 'onExit'>;
  /** Names the Lambda Invoke API accepts for the function. */
  readonly functionNames: readonly string[];
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  readonly lambdaPort: number;
}

function listen(server: http.Server, host: string, port: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE'
      ? new UsageError(`port ${port} on ${host} is in use (${what}): stop what is using it, or pass --port N (0 for any free port)`)
      : err));
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * API Gateway and the Lambda service of one backend: the REST API stage on `port` and the Lambda
 * Invoke API on `lambdaPort`, both in front of the function's containers.
 */
export const startApi: ComponentStarter = async (config: ApiConfig, notify) => {
  const log = (line: string) => process.stdout.write(line + '\n');
  const pool = new FunctionPool({ ...config.pool, onSpawn: (pid) => notify({ type: 'spawned', pid }), onExit: (pid) => notify({ type: 'exited', pid }) });
  const gateway = new Gateway(config.api, pool, log);
  const lambda = new LambdaEndpoint(config.functionNames, pool, log);
  const guard = (handle: (req: http.IncomingMessage, res: http.ServerResponse) => void) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    try {
      handle(req, res);
    } catch {
      gatewayError(res, 500, 'Internal server error', 'InternalServerErrorException');
    }
  };
  const apiServer = http.createServer({ keepAliveTimeout: 5000 }, guard((req, res) => gateway.handle(req, res)));
  const lambdaServer = http.createServer(guard((req, res) => lambda.handle(req, res)));
  const warm = pool.warm();
  const port = await listen(apiServer, config.host, config.port, 'API');
  const lambdaPort = await listen(lambdaServer, config.host, config.lambdaPort, 'Lambda');
  await warm;
  return {
    info: { port, lambdaPort },
    onMessage: (m) => {
      if (m.type !== 'reload') return;
      gateway.update(m.api as ApiSpec);
      pool.reconfigure({ ...(m.pool as ApiConfig['pool']), onSpawn: (pid) => notify({ type: 'spawned', pid }), onExit: (pid) => notify({ type: 'exited', pid }) });
      notify({ type: 'reloaded' });
    },
    stop: async () => {
      for (const server of [apiServer, lambdaServer]) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
      await pool.stop();
    },
  };
};
