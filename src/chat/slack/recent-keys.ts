// Cheap in-process dedupe of Slack deliveries (retries of an event we already took). The
// database dedupe in the router is what makes handling exactly-once across restarts and
// replicas; this only saves the round trip for the common case of a retry to the same process.
import type { Clock } from "../../clock.ts";

export class RecentKeys {
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #capacity: number;
  /** Insertion order is arrival order, so the oldest keys are first. */
  readonly #seenAt = new Map<string, number>();

  constructor(clock: Clock, options: { ttlMs?: number; capacity?: number } = {}) {
    this.#clock = clock;
    // Slack retries an event three times within about five minutes.
    this.#ttlMs = options.ttlMs ?? 10 * 60_000;
    this.#capacity = options.capacity ?? 10_000;
  }

  /** True the first time `key` is offered within the time to live; false for a repeat. */
  firstSighting(key: string): boolean {
    const now = this.#clock.now().getTime();
    this.#forgetOlderThan(now - this.#ttlMs);
    if (this.#seenAt.has(key)) return false;
    this.#seenAt.set(key, now);
    if (this.#seenAt.size > this.#capacity) {
      const oldest = this.#seenAt.keys().next().value;
      if (oldest !== undefined) this.#seenAt.delete(oldest);
    }
    return true;
  }

  #forgetOlderThan(limit: number): void {
    for (const [key, at] of this.#seenAt) {
      if (at >= limit) return;
      this.#seenAt.delete(key);
    }
  }
}
