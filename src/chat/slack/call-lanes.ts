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
// The lanes and the retry loop are the shared ones (src/chat/lanes.ts); what is Slack's is here:
// which answers are rate limits (Retry-After in seconds) or transient, and the per-method hold.
import { webApi } from "@slack/bolt";
import type { Logger } from "pino";
import { type CallFailure, type LaneOptions, Lanes, type RetryPolicy } from "../lanes.ts";

export type { RetryPolicy };

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

export function classifyFailure(error: unknown): CallFailure {
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

/** Slack calls: the shared lanes and retries, plus a per-method hold for calls outside lanes. */
export class CallLanes {
  readonly #lanes: Lanes;
  readonly #methodHeldUntil = new Map<string, number>();

  constructor(log: Logger, policy: Partial<RetryPolicy> = {}) {
    this.#lanes = new Lanes({
      platform: "Slack",
      log,
      policy: { ...DEFAULT_RETRY_POLICY, ...policy },
      classify: classifyFailure,
      stopped: () => new Error("Slack platform stopped"),
    });
  }

  /**
   * Runs `call` after every earlier call of the same lane (an urgent call: after the running one
   * and earlier urgent ones); a 429 holds only this lane.
   */
  inLane<T>(lane: string, method: string, call: () => Promise<T>, options: LaneOptions = {}): Promise<T> {
    return this.#lanes.inLane(lane, () => this.#lanes.run(method, call, { lane }), options);
  }

  /** Calls waiting in a lane behind the running one. */
  waiting(lane: string): number {
    return this.#lanes.waiting(lane);
  }

  /** Runs `call` now, concurrently with others; a 429 holds further calls of `method` only. */
  direct<T>(method: string, call: () => Promise<T>): Promise<T> {
    return this.#lanes.run(method, async () => {
      await this.#waitForMethod(method);
      try {
        return await call();
      } catch (error) {
        const failure = classifyFailure(error);
        if (failure.kind === "rate-limited" && failure.retryAfterMs !== undefined) {
          this.#holdMethod(method, failure.retryAfterMs);
        }
        throw error;
      }
    });
  }

  /** Ends every wait in progress: pending calls reject instead of keeping the process alive. */
  stop(): void {
    this.#lanes.stop();
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
      await this.#lanes.wait(remaining);
    } else {
      this.#methodHeldUntil.delete(method);
    }
  }
}
