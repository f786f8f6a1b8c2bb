// Group commit: requests that arrive while a batch is being written wait for the next one and
// share its transaction, so under load many requests cost one commit (one fsync) instead of one
// each, and each caller's promise settles only after the commit that holds its signals.
//
// A batch that fails for a reason other than the database being unreachable is written again one
// request at a time, so one request the database refuses fails alone and never takes the others
// down with it.

import { probe, probeNow, probing } from "./phase-probe.ts";

interface Waiting<T> {
  at: number;
  items: readonly T[];
  resolve(): void;
  reject(error: unknown): void;
}

export interface GroupCommitOptions {
  /** At most this many items per batch (a request is never split). */
  maxItems: number;
  /** Batches written at once (each on its own connection); 1 unless given. */
  writers?: number;
  /** Errors after which retrying the requests one by one cannot help (the database is down). */
  isFatal(error: unknown): boolean;
}

export class GroupCommit<T> {
  readonly #write: (items: readonly T[]) => Promise<void>;
  readonly #options: GroupCommitOptions;
  #queue: Array<Waiting<T>> = [];
  /** Writers running; counted down inside #drain, in the same tick it sees the queue empty. */
  #active = 0;
  readonly #writing = new Set<Promise<void>>();
  #submitted = 0;

  constructor(write: (items: readonly T[]) => Promise<void>, options: GroupCommitOptions) {
    this.#write = write;
    this.#options = options;
  }

  /** Requests submitted so far (only grows). */
  get submitted(): number {
    return this.#submitted;
  }

  /** Whether a request is queued or being written now. */
  get pending(): boolean {
    return this.#queue.length > 0 || this.#active > 0;
  }

  submit(items: readonly T[]): Promise<void> {
    this.#submitted++;
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ at: probing ? probeNow() : 0, items, resolve, reject });
      if (this.#active < (this.#options.writers ?? 1)) {
        this.#active++;
        const writer = this.#drain();
        this.#writing.add(writer);
        void writer.then(() => this.#writing.delete(writer));
      }
    });
  }

  /** Resolves once nothing is queued or being written. */
  async idle(): Promise<void> {
    while (this.#writing.size > 0) await Promise.all(this.#writing);
  }

  async #drain(): Promise<void> {
    try {
      // Yield once, so requests submitted in the same tick join this writer's first batch.
      await Promise.resolve();
      while (this.#queue.length > 0) await this.#commit(this.#take());
    } finally {
      // No await between the empty queue and this: a request submitted after it starts a writer.
      this.#active--;
    }
  }

  #take(): Array<Waiting<T>> {
    const batch: Array<Waiting<T>> = [];
    let count = 0;
    while (this.#queue.length > 0) {
      const next = this.#queue[0] as Waiting<T>;
      if (batch.length > 0 && count + next.items.length > this.#options.maxItems) break;
      batch.push(next);
      count += next.items.length;
      this.#queue.shift();
    }
    return batch;
  }

  async #commit(batch: Array<Waiting<T>>): Promise<void> {
    try {
      const start = probeNow();
      for (const w of batch) probe("commit.wait", start - w.at);
      await this.#write(batch.flatMap((w) => w.items));
      probe("commit.batch", batch.length, probeNow() - start);
      for (const waiting of batch) waiting.resolve();
      return;
    } catch (error) {
      if (batch.length === 1 || this.#options.isFatal(error)) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
    }
    for (const waiting of batch) {
      try {
        await this.#write(waiting.items);
        waiting.resolve();
      } catch (error) {
        waiting.reject(error);
      }
    }
  }
}
