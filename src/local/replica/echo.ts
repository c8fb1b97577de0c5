import * as net from 'net';
import { ComponentStarter } from '../platform/component-protocol';

/** Config of the echo component: the address and port it listens on. */
export interface EchoConfig {
  readonly host: string;
  readonly port: number;
}

/**
 * A server on the replica's internet that answers each connection with the source address it
 * sees, then closes: a client behind a NAT learns that the NAT's address is what the internet sees.
 */
export const startEcho: ComponentStarter = async (config: EchoConfig) => {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end(`${socket.remoteAddress}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  return { info: {}, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
};
