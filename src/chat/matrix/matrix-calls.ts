// One retry policy for every call tocsin makes to the homeserver (createRoom, invite, state,
// sends, reactions, profiles, joins...): matrix-js-sdk's scheduler only retries the messages it
// queues itself, and tocsin sends without it (see MatrixPlatform#send), so nothing else would.
//
// - M_LIMIT_EXCEEDED / HTTP 429: wait what the server advises (Retry-After, or `retry_after_ms`
//   in the body), then repeat the same call; a bounded number of times.
// - 5xx answers and network failures: retried with exponential backoff, but only for calls that
//   are safe to repeat (reads, PUTs with a transaction id, state, invites, joins). A createRoom
//   that may have reached the server is not repeated: it could open a second room.
// - Anything else goes to the caller.
//
// Calls on one room can be run in a lane: one after the other, in order, so a rate-limited
// announcement is not overtaken by the next one, while other rooms go on.
import { ConnectionError, HTTPError, MatrixError } from "matrix-js-sdk";
import type { Logger } from "pino";

export interface MatrixRetryPolicy {
  /** How many times a call waits out a rate limit before the error goes to the caller. */
  rateLimitWaits: number;
  /** Longest single wait; a server asking for more is asked again after this long. */
  maxRateLimitWaitMs: number;
  /** Retries after a 5xx or a network failure (repeatable calls only). */
  transientRetries: number;
  /** First backoff after a transient failure (and after a 429 without advice); doubled per retry. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_MATRIX_RETRY_POLICY: MatrixRetryPolicy = {
  rateLimitWaits: 10,
  maxRateLimitWaitMs: 60_000,
  transientRetries: 4,
  backoffMs: 500,
  maxBackoffMs: 10_000,
};

export type MatrixFailure =
  | { kind: "rate-limited"; retryAfterMs?: number }
  | { kind: "transient"; reason: string }
  | { kind: "final" };

export function classifyMatrixFailure(error: unknown): MatrixFailure {
  if (error instanceof HTTPError) {
    if (error.isRateLimitError()) {
      let advised: number | null = null;
      try {
        advised = error.getRetryAfterMs();
      } catch {
        // A malformed Retry-After is treated as no advice.
      }
      return advised === null
        ? { kind: "rate-limited" }
        : { kind: "rate-limited", retryAfterMs: Math.max(0, advised) };
    }
    if (error.httpStatus !== undefined && error.httpStatus >= 500) {
      return { kind: "transient", reason: `HTTP ${error.httpStatus}` };
    }
    return { kind: "final" };
  }
  if (error instanceof ConnectionError) return { kind: "transient", reason: "network" };
  return { kind: "final" };
}

/** The Matrix `errcode` of a failed call (`M_ROOM_IN_USE`, `M_NOT_FOUND`...), if it had one. */
export function matrixErrcode(error: unknown): string | undefined {
  return error instanceof MatrixError ? error.errcode : undefined;
}

export class CallsStopped extends Error {
  constructor() {
    super("the Matrix platform is stopping");
    this.name = "CallsStopped";
  }
}

export interface CallOptions {
  /** Safe to send again after a network failure or a 5xx (the server may have done it). */
  repeatable: boolean;
}

export class MatrixCalls {
  readonly #log: Logger;
  readonly #policy: MatrixRetryPolicy;
  readonly #lanes = new Map<string, Promise<unknown>>();
  #stopping = new AbortController();

  constructor(log: Logger, policy: Partial<MatrixRetryPolicy> = {}) {
    this.#log = log;
    this.#policy = { ...DEFAULT_MATRIX_RETRY_POLICY, ...policy };
  }

  /** Runs `call`, waiting out rate limits (and transient failures when repeatable). */
  async run<T>(what: string, call: () => Promise<T>, options: CallOptions): Promise<T> {
    let rateLimitWaits = 0;
    let transientRetries = 0;
    for (;;) {
      try {
        return await call();
      } catch (error) {
        const failure = classifyMatrixFailure(error);
        let waitMs: number;
        if (failure.kind === "rate-limited" && rateLimitWaits < this.#policy.rateLimitWaits) {
          rateLimitWaits++;
          waitMs = Math.min(
            failure.retryAfterMs ?? this.#backoff(rateLimitWaits),
            this.#policy.maxRateLimitWaitMs,
          );
          this.#log.warn(
            { call: what, waitMs, attempt: rateLimitWaits },
            "Matrix rate limit: waiting before retrying",
          );
        } else if (
          failure.kind === "transient" &&
          options.repeatable &&
          transientRetries < this.#policy.transientRetries
        ) {
          transientRetries++;
          waitMs = this.#backoff(transientRetries);
          this.#log.warn(
            { call: what, waitMs, attempt: transientRetries, reason: failure.reason },
            "Matrix call failed: retrying",
          );
        } else {
          throw error;
        }
        await this.#sleep(waitMs);
      }
    }
  }

  /** Runs `work` after every earlier piece of work in the same lane (a room) has finished. */
  inLane<T>(lane: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#lanes.get(lane) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => {});
    this.#lanes.set(lane, tail);
    void tail.then(() => {
      if (this.#lanes.get(lane) === tail) this.#lanes.delete(lane);
    });
    return next;
  }

  /** Cuts every wait short: waiting calls fail with CallsStopped. */
  stop(): void {
    this.#stopping.abort();
  }

  /** Allows calls again after stop() (a restarted platform). */
  resume(): void {
    if (this.#stopping.signal.aborted) this.#stopping = new AbortController();
  }

  #backoff(attempt: number): number {
    const base = Math.min(this.#policy.backoffMs * 2 ** (attempt - 1), this.#policy.maxBackoffMs);
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }

  #sleep(ms: number): Promise<void> {
    const signal = this.#stopping.signal;
    if (signal.aborted) return Promise.reject(new CallsStopped());
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(new CallsStopped());
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}
