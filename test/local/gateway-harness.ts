import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { tempDir } from './helpers';
import { ApiSpec } from '../../src/local/assembly/model';
import { workerScript } from '../../src/local/platform/assets';
import { loopback } from '../../src/local/platform/placement';
import { Gateway, PlatformLog } from '../../src/local/services/api-gateway/gateway';
import { FunctionPool } from '../../src/local/services/lambda/pool';
import { ensureBundle } from '../harness/bundle';

/** A stage served on loopback in front of real function containers. */
export interface ServedGateway {
  readonly gateway: Gateway;
  /** The stage's URL, `http://127.0.0.1:port/prod`. */
  readonly base: string;
  stop(): Promise<void>;
}

/**
 * Serves `api` with the function `handlerSource` (an `index.js` exporting `handler`) in up to two
 * containers, and an integration timeout of `integrationTimeoutMs` in place of API Gateway's 29 s.
 */
export async function serveGateway(api: ApiSpec, handlerSource: string, log: PlatformLog, integrationTimeoutMs: number): Promise<ServedGateway> {
  ensureBundle();
  const dir = tempDir('gateway');
  fs.writeFileSync(path.join(dir, 'index.js'), handlerSource);
  const pool = new FunctionPool({
    workerScript: workerScript(),
    placement: loopback('application'),
    timeoutMs: 5000,
    maxContainers: 2,
    environment: { PATH: process.env.PATH!, LAMBDA_TASK_ROOT: dir, _HANDLER: 'index.handler' },
  });
  const gateway = new Gateway(api, pool, log, integrationTimeoutMs);
  const server = http.createServer((req, res) => gateway.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    gateway,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await pool.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
