// The alert requests handled at once, in two pools of `maxInFlight` each: /v2/enqueue reads
// anyone's body before it knows the key (it is in the body), so strangers trickling bodies there
// must not take the places of senders whose key was checked before their body was read
// (`/alerts/<kind>/<key>`, bearer tokens). The counts live in shared memory: the HTTP edge thread
// (edge.ts) and the main thread (heartbeats, or everything when there is no edge) count in the
// same pools, so the limit is per process whichever thread reads the request.
//
// A thread can die holding places (the edge thread's bounded heap reached, a flood of
// connections can do that): its `finally` never runs. So the edge thread also counts what it
// holds in a buffer of its own (`held`), and the main thread gives those places back when the
// thread has ended (`releaseHeld`); without that, `maxInFlight` places lost to dead threads made
// the endpoints answer 429 for the life of the process.

export type Pool = "keyed" | "keyInBody";
const SLOT: Record<Pool, number> = { keyed: 0, keyInBody: 1 };
const POOLS = 2;

/** Shared counts of one holder (a thread), to give back if it dies holding them. */
export function newHeldCounts(): SharedArrayBuffer {
  return new SharedArrayBuffer(POOLS * Int32Array.BYTES_PER_ELEMENT);
}

export class InFlightPools {
  readonly #counts: Int32Array;
  readonly #held: Int32Array | undefined;
  readonly #max: number;

  /** `held`: this holder's own counts (see releaseHeld), when it may die holding places. */
  constructor(max: number, buffer: SharedArrayBuffer = newHeldCounts(), held?: SharedArrayBuffer) {
    this.#counts = new Int32Array(buffer);
    this.#held = held ? new Int32Array(held) : undefined;
    this.#max = max;
  }

  /** The shared counts, for the other thread's InFlightPools. */
  get buffer(): SharedArrayBuffer {
    return this.#counts.buffer as SharedArrayBuffer;
  }

  /** Takes a place in the pool; false (and nothing taken) when it is full. */
  enter(pool: Pool): boolean {
    // The holder's count is raised first and lowered last: a thread ended between the two
    // steps has its place given back once too often (one request more let in), never kept.
    if (this.#held) Atomics.add(this.#held, SLOT[pool], 1);
    if (Atomics.add(this.#counts, SLOT[pool], 1) < this.#max) return true;
    Atomics.sub(this.#counts, SLOT[pool], 1);
    if (this.#held) Atomics.sub(this.#held, SLOT[pool], 1);
    return false;
  }

  leave(pool: Pool): void {
    Atomics.sub(this.#counts, SLOT[pool], 1);
    if (this.#held) Atomics.sub(this.#held, SLOT[pool], 1);
  }

  /** Gives back the places a holder that has ended still held (its thread is gone: nothing races). */
  releaseHeld(held: SharedArrayBuffer): void {
    const counts = new Int32Array(held);
    for (let slot = 0; slot < POOLS; slot++) {
      const places = Atomics.exchange(counts, slot, 0);
      if (places > 0) Atomics.sub(this.#counts, slot, places);
    }
  }

  total(): number {
    return Atomics.load(this.#counts, 0) + Atomics.load(this.#counts, 1);
  }
}
