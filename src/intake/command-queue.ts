// Bounded concurrency for command work. A platform hands over an invocation and returns at once
// (Slack has already acked); at most `concurrency` commands run at a time, `capacity` more wait
// in arrival order, and anything beyond that is refused on the spot so the caller can say
// "busy" instead of letting the request age in an unbounded pile.

export interface CommandQueueLimits {
  /** Commands running at once (each holds at most one database connection at a time). */
  concurrency: number;
  /** Commands waiting for a slot; one more is refused. */
  capacity: number;
}

export const DEFAULT_COMMAND_LIMITS: CommandQueueLimits = { concurrency: 8, capacity: 256 };

export class CommandQueue {
  readonly #limits: CommandQueueLimits;
  readonly #waiting: Array<() => void> = [];
  #running = 0;

  constructor(limits: CommandQueueLimits = DEFAULT_COMMAND_LIMITS) {
    if (limits.concurrency < 1 || limits.capacity < 0) throw new Error("command queue limits out of range");
    this.#limits = limits;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `work` now or once a slot frees; undefined (and `work` is never called) when every
   * slot is taken and the waiting line is full.
   */
  offer<T>(work: () => Promise<T>): Promise<T> | undefined {
    if (this.#running < this.#limits.concurrency) {
      this.#running++;
      return this.#execute(work);
    }
    if (this.#waiting.length >= this.#limits.capacity) return undefined;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push(() => void this.#execute(work).then(resolve, reject));
    });
  }

  async #execute<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      // The slot passes straight to the next in line, so a newcomer cannot overtake the queue.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
