import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import { Client } from 'pg';
import { cliScript } from './assets';
import { Placement, placed } from './placement';
import { UsageError } from '../../io';

/** How a TCP connect ended: `timeout` means no answer at all (a dropped SYN), `refused` a closed port (or a reject). */
export type ConnectOutcome = 'connected' | 'refused' | 'timeout' | 'unreachable' | 'error';

export interface ConnectTarget {
  readonly host: string;
  readonly port: number;
  /** Source address to connect from (the `internet` namespace has several). */
  readonly from?: string;
  /** Wait this long after connecting for a first line (a server that says who it sees). */
  readonly readMs?: number;
}

export interface ConnectResult {
  readonly outcome: ConnectOutcome;
  readonly ms: number;
  readonly code?: string;
  /** The first line the server sent, when asked to read. */
  readonly said?: string;
}

export interface HttpResult {
  readonly status: number;
  readonly json: Record<string, any>;
  readonly ms: number;
}

/** What a probe does, from where it runs: a connect, a request, a login. */
export type ProbeRequest =
  | { readonly kind: 'connect'; readonly targets: readonly ConnectTarget[]; readonly timeoutMs: number }
  | { readonly kind: 'http'; readonly url: string; readonly method?: string; readonly headers?: Record<string, string>; readonly body?: string; readonly timeoutMs: number }
  /** Connect until one succeeds (a server that is starting), at most `timeoutMs`. */
  | { readonly kind: 'listening'; readonly host: string; readonly port: number; readonly timeoutMs: number }
  /** Log in over TLS and run `SELECT 1` until that works, at most `timeoutMs`: the milliseconds it took, or undefined. */
  | { readonly kind: 'sql'; readonly client: SqlClient; readonly timeoutMs: number };

/** A PostgreSQL login (through the proxy, or on the instance), verified against the run's CA. */
export interface SqlClient {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly caFile: string;
}

function connectOnce(t: ConnectTarget, timeoutMs: number): Promise<ConnectResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const socket = net.connect({ host: t.host, port: t.port, localAddress: t.from });
    let said = '';
    const done = (r: Omit<ConnectResult, 'ms'> & { ms?: number }) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ms: ms(), ...r });
    };
    const timer = setTimeout(() => done({ outcome: 'timeout' }), timeoutMs);
    socket.once('connect', () => {
      const connectedMs = ms();
      if (!t.readMs) return done({ outcome: 'connected' });
      socket.on('data', (d: Buffer) => {
        said += d.toString('utf8');
        if (said.includes('\n')) done({ outcome: 'connected', ms: connectedMs, said: said.split('\n')[0] });
      });
      clearTimeout(timer);
      setTimeout(() => done({ outcome: 'connected', ms: connectedMs, said: said || undefined }), t.readMs);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? 'error';
      const outcome: ConnectOutcome = code === 'ECONNREFUSED' ? 'refused' : /^E(NET|HOST)UNREACH$/.test(code) ? 'unreachable' : 'error';
      done({ outcome, code });
    });
  });
}

async function http(r: Extract<ProbeRequest, { kind: 'http' }>): Promise<HttpResult> {
  const started = performance.now();
  const res = await fetch(r.url, { method: r.method, headers: r.headers, body: r.body, signal: AbortSignal.timeout(r.timeoutMs) });
  const text = await res.text();
  let json: Record<string, any>;
  try {
    json = JSON.parse(text) as Record<string, any>;
  } catch {
    json = { body: text.slice(0, 80) };
  }
  return { status: res.status, json, ms: performance.now() - started };
}

async function sqlOnce(c: SqlClient, ca: string, timeoutMs: number): Promise<boolean> {
  const client = new Client({ ...c, ssl: { ca }, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs `attempt` until it succeeds, at most `timeoutMs`: the milliseconds it took, or undefined. */
async function until(timeoutMs: number, attempt: (remainingMs: number) => Promise<boolean>): Promise<number | undefined> {
  const started = Date.now();
  for (let i = 0; Date.now() - started < timeoutMs && i < 10_000; i++) {
    if (await attempt(Math.max(1, Math.min(1000, timeoutMs - (Date.now() - started))))) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

/** Runs a probe in this process (and so in this process's network namespace). */
export async function runProbe(request: ProbeRequest): Promise<unknown> {
  if (request.kind === 'connect') return Promise.all(request.targets.map((t) => connectOnce(t, request.timeoutMs)));
  if (request.kind === 'http') return http(request);
  if (request.kind === 'sql') {
    const ca = fs.readFileSync(request.client.caFile, 'utf8');
    return until(request.timeoutMs, (ms) => sqlOnce(request.client, ca, ms));
  }
  return (await until(request.timeoutMs, async (ms) => (await connectOnce(request, ms)).outcome === 'connected')) !== undefined;
}

/** `secure-lambda-postgres __probe`: run the probe read from stdin (it may hold a password), print its result as JSON. */
export function probeMain(): void {
  answerOneRequest((request) => runProbe(request as ProbeRequest));
}

/**
 * The child's side of {@link runPlaced}: read one JSON request from stdin (it may hold a
 * password), run it, print `{ result }` or `{ error, usage }` as one JSON line and exit.
 */
export function answerOneRequest(run: (request: unknown) => Promise<unknown>): void {
  const chunks: Buffer[] = [];
  process.stdin.on('data', (c: Buffer) => chunks.push(c));
  process.stdin.on('end', () => run(JSON.parse(Buffer.concat(chunks).toString('utf8'))).then(
    (result) => process.stdout.write(JSON.stringify({ result }) + '\n', () => process.exit(0)),
    (err: Error) => process.stdout.write(JSON.stringify({ error: err.message, usage: err instanceof UsageError }) + '\n', () => process.exit(0))));
}

/**
 * Runs a probe where the placement is: in this process on loopback, else in a short-lived
 * process of this CLI inside the placement's namespace.
 */
export async function probeFrom<T>(placement: Placement, request: ProbeRequest): Promise<T> {
  if (placement.netns === undefined) return runProbe(request) as Promise<T>;
  return runPlaced<T>(placement, '__probe', request);
}

/**
 * Runs `secure-lambda-postgres <entry>` in the placement's namespace with the request on its stdin
 * (see {@link answerOneRequest}), and returns its result; killed 10 s after the request's timeout.
 */
export async function runPlaced<T>(placement: Placement, entry: string, request: { readonly timeoutMs: number }): Promise<T> {
  const line = placed(placement, process.execPath, [cliScript(), entry]);
  const child = spawn(line.command, [...line.args], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(JSON.stringify(request));
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), request.timeoutMs + 10_000);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(killer);
  let parsed: { result?: T; error?: string; usage?: boolean } = {};
  try {
    parsed = JSON.parse(out) as typeof parsed;
  } catch {
    throw new Error(`the probe in ${placement.netns} failed (exit ${code}): ${(err || out).trim().split('\n').pop() ?? ''}`);
  }
  if (parsed.error !== undefined) throw parsed.usage ? new UsageError(parsed.error) : new Error(parsed.error);
  return parsed.result as T;
}

/** Waits until something listens on `host:port`, connecting from the placement; false after `timeoutMs`. */
export function waitForListening(placement: Placement, host: string, port: number, timeoutMs: number): Promise<boolean> {
  return probeFrom<boolean>(placement, { kind: 'listening', host, port, timeoutMs });
}
