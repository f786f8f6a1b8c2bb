// Rides out Slack Web API rate limits and transient failures without stalling unrelated work.
//
// @slack/web-api, left to itself, pauses its whole request queue on a 429, so a rate limit on
// one channel would hold every other channel's messages too. Our WebClient is created with
// `rejectRateLimitedCalls: true` and no retries; this module does the waiting instead, per lane:
//
// - a lane (one per channel) runs its calls one at a time in order, so messages to a channel
//   keep their order; a 429 holds that lane for Retry-After and then repeats the same call;
//   other lanes go on;
// - calls outside lanes (reads, channel creation, DMs' conversations.open) run concurrently; a
//   429 holds only further calls of the same method until Retry-After has passed;
// - 5xx answers and network failures are retried with exponential backoff a bounded number of
//   times; anything else (Slack's `ok: false` answers) is the caller's to handle.
import { setTimeout as sleep } from "node:timers/promises";
import { webApi } from "@slack/bolt";
import type { Logger } from "pino";

export interface RetryPolicy {
  /** Retries after a 5xx answer or a network failure, before the error goes to the caller. */
  transientRetries: number;
  /** First wait after a transient failure; doubled per retry (with jitter) up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Waits of Retry-After a call may take before its rate limit error goes to the caller. */
  rateLimitWaits: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  transientRetries: 4,
  backoffMs: 500,
  maxBackoffMs: 10_000,
  rateLimitWaits: 30,
};

/** Slack `ok: false` codes that mean "Slack had a problem", worth another try. */
const TRANSIENT_PLATFORM_ERRORS = new Set([
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
]);

export type Failure =
  | { kind: "rate-limited"; retryAfterMs: number }
  | { kind: "transient"; reason: string }
  | { kind: "final" };

export function classifyFailure(error: unknown): Failure {
  const coded = error as {
    code?: unknown;
    retryAfter?: unknown;
    statusCode?: unknown;
    data?: { error?: unknown };
  };
  if (coded?.code === webApi.ErrorCode.RateLimitedError && typeof coded.retryAfter === "number") {
    return { kind: "rate-limited", retryAfterMs: Math.max(coded.retryAfter, 0) * 1000 };
  }
  if (coded?.code === webApi.ErrorCode.RequestError) return { kind: "transient", reason: "network" };
  if (typeof coded?.statusCode === "number" && coded.statusCode >= 500) {
    return { kind: "transient", reason: `HTTP ${coded.statusCode}` };
  }
  if (coded?.code === webApi.ErrorCode.PlatformError && typeof coded.data?.error === "string") {
    return TRANSIENT_PLATFORM_ERRORS.has(coded.data.error)
      ? { kind: "transient", reason: coded.data.error }
      : { kind: "final" };
  }
  // fetch() reports refused connections and resets as a TypeError ("fetch failed"), and an
  // expired AbortSignal.timeout() as a TimeoutError.
  if (error instanceof TypeError && error.message === "fetch failed")
    return { kind: "transient", reason: "network" };
  if (error instanceof Error && error.name === "TimeoutError")
    return { kind: "transient", reason: "timeout" };
  return { kind: "final" };
}

/** The `error` of a Slack `ok: false` answer (`name_taken`, `already_pinned`), if it was one. */
export function slackErrorCode(error: unknown): string | undefined {
  const coded = error as { code?: unknown; data?: { error?: unknown } };
  return coded?.code === webApi.ErrorCode.PlatformError && typeof coded.data?.error === "string"
    ? coded.data.error
    : undefined;
}

export class CallLanes {
  readonly #log: Logger;
  readonly #policy: RetryPolicy;
  readonly #laneTails = new Map<string, Promise<void>>();
  readonly #methodHeldUntil = new Map<string, number>();
  readonly #stopping = new AbortController();

  constructor(log: Logger, policy: Partial<RetryPolicy> = {}) {
    this.#log = log;
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...policy };
  }

  /** Runs `call` after every earlier call of the same lane; a 429 holds only this lane. */
  inLane<T>(lane: string, method: string, call: () => Promise<T>): Promise<T> {
    const previous = this.#laneTails.get(lane) ?? Promise.resolve();
    const result = previous.then(() => this.#withRetries(method, call, lane));
    const tail = result.then(ignore, ignore);
    this.#laneTails.set(lane, tail);
    void tail.then(() => {
      if (this.#laneTails.get(lane) === tail) this.#laneTails.delete(lane);
    });
    return result;
  }

  /** Runs `call` now, concurrently with others; a 429 holds further calls of `method` only. */
  direct<T>(method: string, call: () => Promise<T>): Promise<T> {
    return this.#withRetries(method, call, undefined);
  }

  /** Ends every wait in progress: pending calls reject instead of keeping the process alive. */
  stop(): void {
    this.#stopping.abort(new Error("Slack platform stopped"));
  }

  async #withRetries<T>(method: string, call: () => Promise<T>, lane: string | undefined): Promise<T> {
    let transientFailures = 0;
    let rateLimitWaits = 0;
    for (;;) {
      if (lane === undefined) await this.#waitForMethod(method);
      this.#stopping.signal.throwIfAborted();
      try {
        return await call();
      } catch (error) {
        const failure = classifyFailure(error);
        if (failure.kind === "rate-limited" && rateLimitWaits < this.#policy.rateLimitWaits) {
          rateLimitWaits++;
          if (lane === undefined) this.#holdMethod(method, failure.retryAfterMs);
          this.#log.warn(
            { method, lane, retryAfterMs: failure.retryAfterMs, wait: rateLimitWaits },
            "Slack rate limit: waiting before retrying",
          );
          await this.#sleep(failure.retryAfterMs);
          continue;
        }
        if (failure.kind === "transient" && transientFailures < this.#policy.transientRetries) {
          transientFailures++;
          const delay = this.#backoff(transientFailures);
          this.#log.warn(
            { method, lane, reason: failure.reason, retry: transientFailures, delayMs: delay },
            "Slack call failed: retrying",
          );
          await this.#sleep(delay);
          continue;
        }
        throw error;
      }
    }
  }

  #holdMethod(method: string, ms: number): void {
    const until = Date.now() + ms;
    this.#methodHeldUntil.set(method, Math.max(this.#methodHeldUntil.get(method) ?? 0, until));
  }

  async #waitForMethod(method: string): Promise<void> {
    const until = this.#methodHeldUntil.get(method);
    if (until === undefined) return;
    const remaining = until - Date.now();
    if (remaining > 0) {
      await this.#sleep(remaining);
    } else {
      this.#methodHeldUntil.delete(method);
    }
  }

  #backoff(failures: number): number {
    const exponential = Math.min(this.#policy.backoffMs * 2 ** (failures - 1), this.#policy.maxBackoffMs);
    // Jitter keeps several replicas from retrying in lockstep after a shared outage.
    return Math.round(exponential * (0.5 + Math.random() / 2));
  }

  #sleep(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.#stopping.signal });
  }
}

function ignore(): void {}
