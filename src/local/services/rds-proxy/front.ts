import * as net from 'net';
import { hashMd5Password, PostgresConnection, State } from 'pg-gateway';
import { BufferReader } from 'pg-protocol/dist/buffer-reader';
import { Pin } from './pinning';
import { ClientSession, errorMessage } from './session';
import { ACCEPTED_STARTUP_PARAMETERS, refuseStartup, StartupRefusal } from './startup-parameters';
import { connectUpstream, Upstream } from './upstream';

/** The proxy's users: the credentials of the secrets registered with it. */
export interface ProxyUser {
  readonly username: string;
  readonly password: string;
}

export interface FrontOptions {
  readonly host: string;
  readonly port: number;
  /** The pooler behind the front (transaction pool), on loopback. */
  readonly upstream: { readonly host: string; readonly port: number };
  /** Per database, the pooler's alias whose pool keeps a server connection per client (pinned sessions). */
  readonly pinnedDatabases: Readonly<Record<string, string>>;
  readonly tls: { readonly key: string; readonly cert: string };
  /** The proxy's `RequireTLS`. */
  readonly requireTls: boolean;
  readonly users: readonly ProxyUser[];
  /** The target group's `ConnectionBorrowTimeout`, ms. */
  readonly borrowTimeoutMs: number;
  /**
   * IAM authentication: the client's password is an RDS auth token, checked by this function
   * (undefined when it is valid, else RDS Proxy's message). Without it, password authentication.
   */
  readonly verifyPassword?: (user: string, password: string) => string | undefined;
  /** A session pinned for the first time. */
  readonly onPin?: (user: string, pin: Pin) => void;
}

/** A running front: its address, and how it takes new passwords (as RDS Proxy rereads its secrets). */
export interface RunningFront {
  readonly port: number;
  setUsers(users: readonly ProxyUser[]): void;
  close(): Promise<void>;
}

// RDS Proxy's texts: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.troubleshooting.html
const BORROW_TIMEOUT = 'Timed-out waiting to acquire database connection.';
const noCredentials = (user: string) => `This RDS proxy has no credentials for the role ${user}. Check the credentials for this role and try again.`;
const wrongPassword = (user: string) => `The password that was provided for the role ${user} is wrong.`;

/** RDS Proxy's words for what PgBouncer reports, or undefined to pass its error on. */
export function translatePoolerError(message: string): string | undefined {
  return /query_wait_timeout|no more connections allowed/.test(message) ? BORROW_TIMEOUT : undefined;
}

const CANCEL_REQUEST = 80877102;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const runtimeParameters = new Set(ACCEPTED_STARTUP_PARAMETERS.filter((p) => !['user', 'database', 'replication'].includes(p)).map((p) => p.toLowerCase()));

/**
 * The client side of the local RDS Proxy, on pg-gateway (TLS, startup, password exchange): it
 * refuses what RDS Proxy refuses at startup, authenticates the client itself (MD5 password, or
 * an IAM token in cleartext over TLS), logs in to PgBouncer behind it as the same user, then
 * relays the session, classifying each statement for pinning (see ClientSession).
 */
export function startFront(o: FrontOptions): Promise<RunningFront> {
  let users = new Map(o.users.map((u) => [u.username, u.password]));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    let connection: PostgresConnection | undefined;
    const refuse = (r: StartupRefusal) => {
      connection!.sendError({ severity: 'FATAL', code: r.code, message: r.message });
      connection!.socket.end();
    };
    let upstream: Upstream | undefined;
    const login = (user: string, password: string, state: State): Promise<Upstream> => {
      const params = state.clientInfo!.parameters;
      const database = params.database || user;
      return connectUpstream({
        ...o.upstream,
        user,
        password,
        database,
        parameters: runtimeOnly(params),
        timeoutMs: o.borrowTimeoutMs,
      });
    };
    const validate = async (user: string, password: string | undefined, check: () => string | undefined, state: State) => {
      const refusal = password === undefined ? noCredentials(user) : check();
      if (refusal) {
        refuse({ code: '28P01', message: refusal });
        return false;
      }
      try {
        upstream = await login(user, password!, state);
        return true;
      } catch (err) {
        refuse({ code: '08000', message: translatePoolerError((err as Error).message) ?? `Request returned an error: ${(err as Error).message}` });
        return false;
      }
    };
    connection = new PostgresConnection(socket, {
      tls: { key: Buffer.from(o.tls.key), cert: Buffer.from(o.tls.cert) },
      authMode: o.verifyPassword ? 'cleartextPassword' : 'md5Password',
      onMessage: (bytes, state) => {
        if (state.hasStarted) return false;
        const data = bytes as Buffer;
        const code = data.readUInt32BE(4);
        if (code === SSL_REQUEST) return false;
        if (code === GSSENC_REQUEST) {
          // No GSSAPI encryption, as PostgreSQL without it answers: the client goes on to TLS or
          // its startup. pg-gateway counts the handled message as the startup: it is not.
          socket.write('N');
          setImmediate(() => (connection!.hasStarted = false));
          return true;
        }
        if (code === CANCEL_REQUEST) {
          net.connect(o.upstream.port, o.upstream.host).on('error', () => undefined).end(data);
          socket.end();
          return true;
        }
        const startup = readStartup(data);
        const refusal = refuseStartup(startup.major, startup.minor, startup.parameters)
          ?? (state.tlsInfo ? undefined : refuseWithoutTls(o));
        if (!refusal) return false;
        refuse(refusal);
        return true;
      },
      validateCredentials: async (credentials, state) => {
        const user = credentials.user;
        const stored = users.get(user);
        if (credentials.authMode === 'cleartextPassword') {
          return validate(user, stored, () => o.verifyPassword!(user, credentials.password), state);
        }
        const expected = stored === undefined ? undefined : await hashMd5Password(user, stored, credentials.salt);
        return validate(user, stored, () => (credentials.hash === expected ? undefined : wrongPassword(user)), state);
      },
    });
    // After the password is accepted: PgBouncer's parameters and key, then the relay.
    connection.completeAuthentication = async function completeAuthentication(this: PostgresConnection) {
      this.isAuthenticated = true;
      this.sendAuthenticationOk();
      for (const [name, value] of upstream!.parameterStatus) this.sendParameterStatus(name, value);
      if (upstream!.backendKey) this.sendData(backendKeyData(upstream!.backendKey));
      this.sendReadyForQuery('idle');
      const state = this.state;
      const user = state.clientInfo!.parameters.user;
      const database = state.clientInfo!.parameters.database || user;
      const pinnedDatabase = o.pinnedDatabases[database];
      new ClientSession(this.detach(), upstream!, {
        pinnedUpstream: () => (pinnedDatabase
          ? connectUpstream({ ...o.upstream, user, password: users.get(user) ?? '', database: pinnedDatabase, parameters: runtimeOnly(state.clientInfo!.parameters), timeoutMs: o.borrowTimeoutMs })
          : Promise.resolve(upstream!)),
        onPin: (pin) => o.onPin?.(user, pin),
        translateError: translatePoolerError,
        loginFailed: (err) => errorMessage(new Map([['S', 'FATAL'], ['V', 'FATAL'], ['C', '08000'], ['M', translatePoolerError(err.message) ?? err.message]])),
      });
    };
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve({
      port: (server.address() as net.AddressInfo).port,
      setUsers: (next) => {
        users = new Map(next.map((u) => [u.username, u.password]));
      },
      // Clients still connected (warm containers) are cut, as a proxy that goes away cuts them.
      close: () => new Promise((done) => {
        server.close(() => done());
        sockets.forEach((socket) => socket.destroy());
      }),
    }));
  });
}

/** Why a client without TLS is refused: the proxy requires TLS, or IAM tokens only travel over TLS. */
function refuseWithoutTls(o: FrontOptions): StartupRefusal | undefined {
  if (o.requireTls) return { code: '08P01', message: 'This RDS Proxy requires TLS connections.' };
  if (o.verifyPassword) return { code: '28000', message: 'IAM authentication is allowed only with SSL connections.' };
  return undefined;
}

/** The startup message's protocol version and parameters. */
function readStartup(data: Buffer): { major: number; minor: number; parameters: Record<string, string> } {
  const reader = new BufferReader();
  reader.setBuffer(4, data);
  const major = reader.int16();
  const minor = reader.int16();
  const parameters: Record<string, string> = {};
  for (let name = reader.cstring(); name !== '' && !Number.isNaN(major); name = reader.cstring()) parameters[name] = reader.cstring();
  return { major, minor, parameters };
}

/** The runtime parameters passed on to the pooler (application_name, TimeZone, ...). */
function runtimeOnly(parameters: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(parameters).filter(([name]) => runtimeParameters.has(name.toLowerCase())));
}

function backendKeyData(key: NonNullable<Upstream['backendKey']>): Buffer {
  const message = Buffer.alloc(13);
  message[0] = 0x4b; // K
  message.writeUInt32BE(12, 1);
  message.writeInt32BE(key.processId, 5);
  message.writeInt32BE(key.secretKey, 9);
  return message;
}
