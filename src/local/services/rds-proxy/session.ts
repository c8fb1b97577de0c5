import * as net from 'net';
import { BufferReader } from 'pg-protocol/dist/buffer-reader';
import { FrameReader } from './frames';
import { classifyStatement, Pin } from './pinning';
import { Upstream } from './upstream';

const QUERY = 0x51; // Q
const PARSE = 0x50; // P
const SYNC = 0x53; // S
const TERMINATE = 0x58; // X
const READY_FOR_QUERY = 0x5a; // Z
const ERROR_RESPONSE = 0x45; // E
const IDLE = 0x49; // I

/** What a session needs from the front: a session-pool login, the pin report, the error texts. */
export interface SessionHooks {
  /** A login to the pool that keeps one server connection for the client's whole session. */
  pinnedUpstream(): Promise<Upstream>;
  onPin(pin: Pin): void;
  /** RDS Proxy's text for an error the pooler sent, or undefined to pass it on. */
  translateError(message: string): string | undefined;
  /** Errors to send the client when the session-pool login fails, before closing. */
  loginFailed(err: Error): Buffer;
}

/**
 * One client session behind the front: relays bytes both ways and classifies each statement.
 * At its first pinning statement the session moves, between transactions (ReadyForQuery idle,
 * nothing in flight), onto a connection of the session pool and stays there until the client
 * disconnects, as RDS Proxy keeps a pinned session's database connection.
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-pinning.html
 */
export class ClientSession {
  private readonly fromClient = new FrameReader();
  private readonly fromServer = new FrameReader();
  private readonly reader = new BufferReader();
  private upstream: Upstream;
  private pinned = false;
  private movePending = false;
  /** Queries and Syncs sent whose ReadyForQuery has not come back. */
  private outstanding = 0;
  private status = IDLE;
  private backlog?: Buffer[];

  constructor(private readonly client: net.Socket, upstream: Upstream, private readonly hooks: SessionHooks) {
    this.upstream = upstream;
    this.attach(upstream);
    client.on('data', (chunk: Buffer) => this.fromClientData(chunk));
    client.on('close', () => this.upstream.socket.end());
    client.on('error', () => this.upstream.socket.destroy());
  }

  private attach(upstream: Upstream): void {
    upstream.socket.on('data', (chunk: Buffer) => this.fromServerData(chunk));
    upstream.socket.on('close', () => {
      if (upstream === this.upstream) this.client.end();
    });
    upstream.socket.on('error', () => this.client.destroy());
  }

  private fromClientData(chunk: Buffer): void {
    if (this.backlog) {
      this.backlog.push(chunk);
      return;
    }
    const { buffer, frames } = this.fromClient.read(chunk);
    for (const [type, start] of frames) {
      if (this.needsMove(type, buffer, start)) {
        if (start > 0) this.upstream.socket.write(buffer.subarray(0, start));
        const rest = Buffer.concat([buffer.subarray(start, frames[frames.length - 1][2]), this.fromClient.take()]);
        void this.move(rest);
        return;
      }
      if (type === QUERY || type === SYNC) this.outstanding++;
      if (type === TERMINATE) this.outstanding = 0;
    }
    const end = frames.length ? frames[frames.length - 1][2] : 0;
    if (end > 0) this.upstream.socket.write(end === buffer.length ? buffer : buffer.subarray(0, end));
  }

  /** Whether the session must move to the session pool before this message goes out. */
  private needsMove(type: number, buffer: Buffer, start: number): boolean {
    if (!this.pinned && (type === QUERY || type === PARSE)) {
      this.reader.setBuffer(start + 5, buffer);
      const name = type === PARSE ? this.reader.cstring() : '';
      const sql = this.reader.cstring();
      const pin = classifyStatement(type === PARSE ? { protocol: 'extended', name, sql } : { protocol: 'simple', sql });
      if (pin) {
        this.pinned = true;
        this.movePending = true;
        this.hooks.onPin(pin);
      }
    }
    return this.movePending && this.outstanding === 0 && this.status === IDLE;
  }

  /** Onto a session-pool connection; what the client sent meanwhile follows. */
  private async move(rest: Buffer): Promise<void> {
    this.backlog = [rest];
    this.movePending = false;
    try {
      const next = await this.hooks.pinnedUpstream();
      if (next !== this.upstream) {
        const previous = this.upstream;
        this.upstream = next;
        this.attach(next);
        previous.socket.end(Buffer.from([TERMINATE, 0, 0, 0, 4]));
      }
    } catch (err) {
      this.client.end(this.hooks.loginFailed(err as Error));
      return;
    }
    const pending = Buffer.concat(this.backlog);
    this.backlog = undefined;
    this.fromClientData(pending);
  }

  private fromServerData(chunk: Buffer): void {
    const { buffer, frames } = this.fromServer.read(chunk);
    let out: Buffer[] | undefined;
    let from = 0;
    for (const [type, start, end] of frames) {
      if (type === READY_FOR_QUERY) {
        this.outstanding = Math.max(0, this.outstanding - 1);
        this.status = buffer[start + 5];
      } else if (type === ERROR_RESPONSE) {
        const translated = this.translated(buffer.subarray(start, end));
        if (translated) {
          out ??= [];
          out.push(buffer.subarray(from, start), translated);
          from = end;
        }
      }
    }
    const end = frames.length ? frames[frames.length - 1][2] : 0;
    if (!out) {
      if (end > 0) this.client.write(end === buffer.length ? buffer : buffer.subarray(0, end));
      return;
    }
    out.push(buffer.subarray(from, end));
    this.client.write(Buffer.concat(out));
  }

  /** An ErrorResponse whose message RDS Proxy words differently, rewritten; else undefined. */
  private translated(message: Buffer): Buffer | undefined {
    const fields = errorFields(message);
    const text = this.hooks.translateError(fields.get('M') ?? '');
    if (text === undefined) return undefined;
    fields.set('M', text);
    return errorMessage(fields);
  }
}

/** The fields of an ErrorResponse, by their one-letter codes. */
function errorFields(message: Buffer): Map<string, string> {
  const fields = new Map<string, string>();
  const reader = new BufferReader();
  reader.setBuffer(5, message);
  for (let code = reader.byte(); code !== 0; code = reader.byte()) fields.set(String.fromCharCode(code), reader.cstring());
  return fields;
}

/** An ErrorResponse of these fields. */
export function errorMessage(fields: ReadonlyMap<string, string>): Buffer {
  const body = Buffer.concat([...fields].map(([code, value]) => Buffer.from(`${code}${value}\0`)).concat(Buffer.from([0])));
  const head = Buffer.alloc(5);
  head[0] = ERROR_RESPONSE;
  head.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
