import { DEFAULT_FUNCTION_TIMEOUT_SECONDS, ENV } from '../contract';
import { Environment } from './config';

/** The construct's default function timeout, assumed when neither the environment nor Lambda says. */
export const DEFAULT_FUNCTION_TIMEOUT_MS = DEFAULT_FUNCTION_TIMEOUT_SECONDS * 1000;

/**
 * How long before the function's timeout an invocation stops waiting: the response must be out at
 * least one second before Lambda cuts the invocation (and API Gateway answers 502/504 instead of
 * our 503), plus 250 ms for the last-resort guard below and for building and returning the answer.
 */
export const RESPONSE_RESERVE_MS = 1250;

/** How much later than the deadline the handler's last-resort guard fires (see {@link Deadline.guard}). */
const GUARD_DELAY_MS = 100;

/** The part of the Lambda context object a deadline reads. */
export interface RemainingTime {
  getRemainingTimeInMillis?(): number;
}

/** Thrown when a wait would outlast the invocation's deadline. */
export class DeadlineExceededError extends Error {
  public readonly code = 'DeadlineExceeded';
  constructor(what: string) {
    super(`${what} did not finish before the invocation's deadline`);
    this.name = 'DeadlineExceededError';
  }
}

/** `FUNCTION_TIMEOUT_MS` as a positive number of milliseconds, or undefined when unset or invalid. */
export function readFunctionTimeoutMs(env: Environment = process.env): number | undefined {
  const value = Number(env[ENV.FUNCTION_TIMEOUT_MS]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * The point in time by which one invocation must have answered. Every wait of a request (secret
 * read, connect, query, key fetch) takes at most what remains of it, so a hanging dependency ends
 * in the handler's own 503 rather than in Lambda's timeout.
 */
export class Deadline {
  /**
   * The deadline of the invocation that starts now: the function's timeout (`FUNCTION_TIMEOUT_MS`,
   * which the construct sets) or, when smaller, what Lambda reports as remaining, less
   * {@link RESPONSE_RESERVE_MS}.
   */
  public static forInvocation(context?: RemainingTime, env: Environment = process.env): Deadline {
    const configured = readFunctionTimeoutMs(env) ?? DEFAULT_FUNCTION_TIMEOUT_MS;
    const reported = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : Infinity;
    const budget = Math.min(configured, Number.isFinite(reported) ? reported : Infinity) - RESPONSE_RESERVE_MS;
    return Deadline.after(budget);
  }

  /** A deadline `ms` milliseconds from now (none left when `ms` ≤ 0). */
  public static after(ms: number): Deadline {
    return new Deadline(Date.now() + Math.max(0, ms));
  }

  /** @param at epoch milliseconds */
  constructor(public readonly at: number) {}

  /** Milliseconds left, never negative. */
  public remaining(): number {
    return Math.max(0, this.at - Date.now());
  }

  public get expired(): boolean {
    return this.remaining() === 0;
  }

  /** What one attempt may take: at most `capMs`, never past the deadline. */
  public slice(capMs: number): number {
    return Math.min(capMs, this.remaining());
  }

  /** An `AbortSignal` that fires at the deadline (for clients that accept one, like the AWS SDK). */
  public signal(): AbortSignal {
    return AbortSignal.timeout(Math.max(1, this.remaining()));
  }

  /** `promise`, or a {@link DeadlineExceededError} naming `what` when the deadline comes first. */
  public race<T>(promise: Promise<T>, what: string): Promise<T> {
    return this.raceAt(promise, what, this.remaining());
  }

  /**
   * Like {@link race}, a little after the deadline: the handler's last resort, so that the waits
   * inside, which use the deadline itself, report their own reasons first.
   */
  public guard<T>(promise: Promise<T>, what: string): Promise<T> {
    return this.raceAt(promise, what, this.remaining() + GUARD_DELAY_MS);
  }

  private raceAt<T>(promise: Promise<T>, what: string, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeadlineExceededError(what)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}
