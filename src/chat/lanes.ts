// Ordered lanes and bounded retries for calls to a chat platform's API, shared by every platform
// (Slack's CallLanes, Matrix's MatrixCalls). Each platform keeps its own knowledge in its folder:
// which errors are rate limits and how long they advise waiting (classify), which calls are safe
// to repeat, and any extra holds (Slack's per-method hold for calls outside lanes).
//
// - A lane (one per room) runs its work one piece at a time, in order, whether the earlier piece
//   succeeded or failed: a rate-limited announcement is not overtaken by the next one, while
//   other lanes go on. An idle lane is forgotten.
// - Urgent work (a page: its DM, its line in an incident room) goes ahead of every piece still
//   waiting in its lane, behind only the piece already running and earlier urgent work, so a
//   backlog of housekeeping (summary edits, topics, bulletins) never delays a page by more than
//   one call. Urgent work keeps its own order; so does the rest.
// - A rate limit waits what the platform advises (or a backoff without advice, capped by
//   maxRateLimitWaitMs), then repeats the same call; a bounded number of times.
// - A transient failure (5xx, network) is retried with exponential backoff and jitter, a bounded
//   number of times, and only for calls that are safe to repeat.
// - stop() cuts every wait short: waiting calls and calls started afterwards fail with the
//   platform's "stopped" error instead of keeping the process alive. resume() allows calls again.
import type { Logger } from "pino";

export interface RetryPolicy {
  /** How many times a call waits out a rate limit before the error goes to the caller. */
  rateLimitWaits: number;
  /** Longest single rate limit wait; a server asking for more is asked again after this long. */
  maxRateLimitWaitMs?: number;
  /** Retries after a transient failure (repeatable calls only). */
  transientRetries: number;
  /** First backoff after a transient failure (and after a rate limit without advice); doubled per retry. */
  backoffMs: number;
  maxBackoffMs: number;
}

/** What a failed call means, as each platform reads its own errors. */
export type CallFailure =
  | { kind: "rate-limited"; retryAfterMs?: number }
  | { kind: "transient"; reason: string }
  | { kind: "final" };

export interface LanesOptions {
  /** `Slack`, `Matrix`: starts the log lines about waits and retries. */
  platform: string;
  log: Logger;
  policy: RetryPolicy;
  classify(error: unknown): CallFailure;
  /** The error waiting calls fail with once stop() was called. */
  stopped(): Error;
}

export interface CallOptions {
  /** Safe to send again after a transient failure (the server may have done it). Default true. */
  repeatable?: boolean;
  /** The lane the call runs in, for the log. */
  lane?: string;
}

export interface LaneOptions {
  /** Ahead of the lane's waiting non-urgent work (pages). */
  urgent?: boolean;
}

/** A lane's waiting work: urgent pieces first, each kind in its order. */
interface Lane {
  running: boolean;
  urgent: Array<() => Promise<void>>;
  normal: Array<() => Promise<void>>;
}

export class Lanes {
  readonly #options: LanesOptions;
  readonly #lanes = new Map<string, Lane>();
  #stopping = new AbortController();

  constructor(options: LanesOptions) {
    this.#options = options;
  }

  /**
   * Runs `work` after every earlier piece of work in the same lane has settled; urgent work
   * after the running piece and earlier urgent work only.
   */
  inLane<T>(lane: string, work: () => Promise<T>, options: LaneOptions = {}): Promise<T> {
    let queue = this.#lanes.get(lane);
    if (!queue) {
      queue = { running: false, urgent: [], normal: [] };
      this.#lanes.set(lane, queue);
    }
    const result = new Promise<T>((resolve, reject) => {
      const piece = () => Promise.resolve().then(work).then(resolve, reject);
      (options.urgent ? queue.urgent : queue.normal).push(piece);
    });
    this.#pump(lane, queue);
    return result;
  }

  /** How many pieces wait in a lane (not counting the running one): for tests and metrics. */
  waiting(lane: string): number {
    const queue = this.#lanes.get(lane);
    return queue ? queue.urgent.length + queue.normal.length : 0;
  }

  #pump(lane: string, queue: Lane): void {
    if (queue.running) return;
    const next = queue.urgent.shift() ?? queue.normal.shift();
    if (!next) {
      if (this.#lanes.get(lane) === queue) this.#lanes.delete(lane);
      return;
    }
    queue.running = true;
    void next().finally(() => {
      queue.running = false;
      this.#pump(lane, queue);
    });
  }

  /** Runs `call`, waiting out rate limits (and transient failures when repeatable). */
  async run<T>(what: string, call: () => Promise<T>, options: CallOptions = {}): Promise<T> {
    const { policy, platform, log } = this.#options;
    const repeatable = options.repeatable ?? true;
    let rateLimitWaits = 0;
    let transientRetries = 0;
    for (;;) {
      this.#throwIfStopped();
      try {
        return await call();
      } catch (error) {
        const failure = this.#options.classify(error);
        let waitMs: number;
        if (failure.kind === "rate-limited" && rateLimitWaits < policy.rateLimitWaits) {
          rateLimitWaits++;
          waitMs = failure.retryAfterMs ?? this.#backoff(rateLimitWaits);
          if (policy.maxRateLimitWaitMs !== undefined) waitMs = Math.min(waitMs, policy.maxRateLimitWaitMs);
          log.warn(
            { call: what, lane: options.lane, waitMs, attempt: rateLimitWaits },
            `${platform} rate limit: waiting before retrying`,
          );
        } else if (failure.kind === "transient" && repeatable && transientRetries < policy.transientRetries) {
          transientRetries++;
          waitMs = this.#backoff(transientRetries);
          log.warn(
            { call: what, lane: options.lane, waitMs, attempt: transientRetries, reason: failure.reason },
            `${platform} call failed: retrying`,
          );
        } else {
          throw error;
        }
        await this.wait(waitMs);
      }
    }
  }

  /** Waits `ms`, or fails with the platform's "stopped" error as soon as stop() is called. */
  wait(ms: number): Promise<void> {
    const signal = this.#stopping.signal;
    if (signal.aborted) return Promise.reject(this.#options.stopped());
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(this.#options.stopped());
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Cuts every wait short; calls started from now on fail at once. */
  stop(): void {
    this.#stopping.abort();
  }

  /** Allows calls again after stop() (a restarted platform). */
  resume(): void {
    if (this.#stopping.signal.aborted) this.#stopping = new AbortController();
  }

  #throwIfStopped(): void {
    if (this.#stopping.signal.aborted) throw this.#options.stopped();
  }

  #backoff(attempt: number): number {
    const { backoffMs, maxBackoffMs } = this.#options.policy;
    const base = Math.min(backoffMs * 2 ** (attempt - 1), maxBackoffMs);
    // Jitter keeps several replicas from retrying in lockstep after a shared outage.
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }
}
