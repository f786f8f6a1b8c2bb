// The alert requests handled at once, in two pools of `maxInFlight` each: /v2/enqueue reads
// anyone's body before it knows the key (it is in the body), so strangers trickling bodies there
// must not take the places of senders whose key was checked before their body was read
// (`/alerts/<kind>/<key>`, bearer tokens). The counts live in shared memory: the HTTP edge thread
// (edge.ts) and the main thread (heartbeats, or everything when there is no edge) count in the
// same pools, so the limit is per process whichever thread reads the request.

export type Pool = "keyed" | "keyInBody";
const SLOT: Record<Pool, number> = { keyed: 0, keyInBody: 1 };

export class InFlightPools {
  readonly #counts: Int32Array;
  readonly #max: number;

  constructor(max: number, buffer: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    this.#counts = new Int32Array(buffer);
    this.#max = max;
  }

  /** The shared counts, for the other thread's InFlightPools. */
  get buffer(): SharedArrayBuffer {
    return this.#counts.buffer as SharedArrayBuffer;
  }

  /** Takes a place in the pool; false (and nothing taken) when it is full. */
  enter(pool: Pool): boolean {
    if (Atomics.add(this.#counts, SLOT[pool], 1) < this.#max) return true;
    Atomics.sub(this.#counts, SLOT[pool], 1);
    return false;
  }

  leave(pool: Pool): void {
    Atomics.sub(this.#counts, SLOT[pool], 1);
  }

  total(): number {
    return Atomics.load(this.#counts, 0) + Atomics.load(this.#counts, 1);
  }
}
