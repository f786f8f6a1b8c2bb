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
// announcement is not overtaken by the next one, while other rooms go on. The lanes and the
// retry loop are the shared ones (src/chat/lanes.ts); what is Matrix's is here.
import { ConnectionError, HTTPError, MatrixError } from "matrix-js-sdk";
import type { Logger } from "pino";
import { type CallFailure, type CallOptions, Lanes, type RetryPolicy } from "../lanes.ts";

export type MatrixRetryPolicy = RetryPolicy;

export const DEFAULT_MATRIX_RETRY_POLICY: MatrixRetryPolicy = {
  rateLimitWaits: 10,
  maxRateLimitWaitMs: 60_000,
  transientRetries: 4,
  backoffMs: 500,
  maxBackoffMs: 10_000,
};

export function classifyMatrixFailure(error: unknown): CallFailure {
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

export type { CallOptions };

/** Matrix calls: the shared lanes and retries, with Matrix's reading of its errors. */
export class MatrixCalls extends Lanes {
  constructor(log: Logger, policy: Partial<MatrixRetryPolicy> = {}) {
    super({
      platform: "Matrix",
      log,
      policy: { ...DEFAULT_MATRIX_RETRY_POLICY, ...policy },
      classify: classifyMatrixFailure,
      stopped: () => new CallsStopped(),
    });
  }
}
