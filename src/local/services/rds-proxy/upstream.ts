import * as net from 'net';
import { serialize } from 'pg-protocol';
import { BackendMessage, DatabaseError } from 'pg-protocol/dist/messages';
import { Parser } from 'pg-protocol/dist/parser';

/** A login to the pooler behind the front, as the user the client authenticated as. */
export interface UpstreamLogin {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** The client's runtime parameters (application_name, TimeZone, ...), passed on. */
  readonly parameters: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

/** A logged-in connection to the pooler, and what it told the client-to-be during its login. */
export interface Upstream {
  readonly socket: net.Socket;
  readonly parameterStatus: ReadonlyArray<readonly [string, string]>;
  readonly backendKey?: { readonly processId: number; readonly secretKey: number };
}

/** The pooler refused the login (or timed out): its SQLSTATE and message. */
export class UpstreamError extends Error {
  constructor(message: string, public readonly code: string) {
    super(message);
  }
}

/**
 * Logs in to the pooler behind the front with the protocol's own parser and serializer
 * (pg-protocol, node-postgres' wire code), resolving once it is ready for queries.
 */
export function connectUpstream(login: UpstreamLogin): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: login.host, port: login.port, noDelay: true });
    const parser = new Parser();
    const parameterStatus: Array<[string, string]> = [];
    let backendKey: Upstream['backendKey'];
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new UpstreamError('Timed-out waiting to acquire database connection.', '08000')), login.timeoutMs);
    const onMessage = (m: BackendMessage) => {
      if (m.name === 'error') {
        const e = m as DatabaseError;
        return fail(new UpstreamError(e.message, e.code ?? '08000'));
      }
      switch (m.name) {
        case 'authenticationCleartextPassword':
          socket.write(serialize.password(login.password));
          break;
        case 'parameterStatus': {
          const p = m as unknown as { parameterName: string; parameterValue: string };
          parameterStatus.push([p.parameterName, p.parameterValue]);
          break;
        }
        case 'backendKeyData': {
          const k = m as unknown as { processID: number; secretKey: number };
          backendKey = { processId: k.processID, secretKey: k.secretKey };
          break;
        }
        case 'readyForQuery':
          clearTimeout(timer);
          socket.off('data', onData);
          socket.off('error', fail);
          resolve({ socket, parameterStatus, backendKey });
          break;
        case 'authenticationOk':
          break;
        default:
          if (m.name.startsWith('authentication')) fail(new UpstreamError(`the pooler asked for ${m.name}, which the local proxy does not speak`, '28000'));
      }
    };
    const onData = (chunk: Buffer) => parser.parse(chunk, onMessage);
    socket.on('data', onData);
    socket.on('error', fail);
    socket.once('connect', () => socket.write(serialize.startup({ ...login.parameters, user: login.user, database: login.database })));
  });
}
