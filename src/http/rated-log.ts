// A log line about what any client on the internet can cause (connections refused at the cap,
// malformed or timed-out requests): said at most once per interval, so a flood cannot flood the
// log. The first of a burst is said at once; the rest are counted and said together when the
// interval ends, so the last burst before a quiet spell is told too, not dropped.

/** Said for a line: how many times it happened, and those times by code when codes were given. */
export type RatedSay = (count: number, codes: Record<string, number> | undefined) => void;

export class RatedLogLine {
  readonly #say: RatedSay;
  readonly #intervalMs: number;
  #saidAt = Number.NEGATIVE_INFINITY;
  #pending = 0;
  #codes: Record<string, number> | undefined;
  #flush: NodeJS.Timeout | undefined;

  constructor(intervalMs: number, say: RatedSay) {
    this.#intervalMs = intervalMs;
    this.#say = say;
  }

  /** It happened once more (with `code`, when it has one). */
  note(code?: string): void {
    this.#pending++;
    if (code !== undefined) {
      this.#codes ??= {};
      this.#codes[code] = (this.#codes[code] ?? 0) + 1;
    }
    const now = Date.now();
    if (!this.#flush && now - this.#saidAt >= this.#intervalMs) {
      this.flush();
      return;
    }
    // Unreferenced: a pending count never keeps the process alive (stop() tells it on close).
    this.#flush ??= setTimeout(
      () => this.flush(),
      Math.max(0, this.#saidAt + this.#intervalMs - now),
    ).unref();
  }

  /** Says what is counted and not yet said, if anything. */
  flush(): void {
    clearTimeout(this.#flush);
    this.#flush = undefined;
    if (this.#pending === 0) return;
    const count = this.#pending;
    const codes = this.#codes;
    this.#pending = 0;
    this.#codes = undefined;
    this.#saidAt = Date.now();
    this.#say(count, codes);
  }
}
