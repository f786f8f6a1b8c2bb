// The alert requests handled at once. A request first holds a reading place, in one of two pools
// of `maxInFlight` each: /v2/enqueue reads anyone's body before it knows the key (it is in the
// body), so strangers trickling bodies there must not take the places of senders whose key was
// checked before their body was read (`/alerts/<kind>/<key>`, bearer tokens). Once its body is
// read and its key checked, the request moves to the waiting room until its commit: one room
// for both pools, of up to WAITING_PER_PLACE times `maxInFlight` requests whose drafts hold at
// most `waitingBytes` of heap by their charges (held-bytes.ts: an upper bound of what a parsed
// alert keeps, not its body's size, which a hostile body makes 20-60 times smaller). So a stall
// of the disk (one slow fsync holds every commit; 60-280 ms seen on the bench machine,
// 2026-12-01) queues alerts for its length instead of answering them 429, whose senders would
// come back only after Retry-After or their own backoff; a load beyond what the database commits
// still fills the room and is refused. Heartbeats (their ping writes too) keep their reading
// place until answered.
//
// The counts live in shared memory: the HTTP edge thread (edge.ts) and the main thread
// (heartbeats, or everything when there is no edge) count in the same pools, so the limits are
// per process whichever thread reads the request.
//
// A thread can die holding places (the edge thread's bounded heap reached, a flood of
// connections can do that): its `finally` never runs. So the edge thread also counts what it
// holds in a buffer of its own (`held`), and the main thread gives those places back when the
// thread has ended (`releaseHeld`); without that, places lost to dead threads made the endpoints
// answer 429 for the life of the process.

export type Pool = "keyed" | "keyInBody";
const SLOT: Record<Pool, number> = { keyed: 0, keyInBody: 1 };
/** Requests in the waiting room, and the bytes of their bodies. */
const WAITING = 2;
const WAITING_BYTES = 3;
const SLOTS = 4;

/** Requests that may wait for their commit, per reading place (1,024 with the default 64). */
export const WAITING_PER_PLACE = 16;
/** Heap the waiting requests' drafts may hold, by their charges (as much as bodies being read). */
export const MAX_WAITING_BYTES = 32 * 1024 * 1024;

/** Shared counts of one holder (a thread), to give back if it dies holding them. */
export function newHeldCounts(): SharedArrayBuffer {
  return new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT);
}

/** What one request holds: a reading place, then (wait) a place in the waiting room. */
export interface Place {
  /**
   * Moves the request, its body read and its key checked, to the waiting room, charged
   * `heldBytes` (held-bytes.ts). False when the room is full: the request keeps its reading
   * place (leave() gives it back) and is answered 429.
   */
  wait(heldBytes: number): boolean;
  /** Gives back what the request holds; once. */
  leave(): void;
}

export interface InFlightOptions {
  /** The counts shared with the other thread's InFlightPools (its `buffer`). */
  buffer?: SharedArrayBuffer;
  /** This holder's own counts (see releaseHeld), when it may die holding places. */
  held?: SharedArrayBuffer;
  /** Charged bytes in the waiting room at most (MAX_WAITING_BYTES unless given; tests). */
  waitingBytes?: number;
}

export class InFlightPools {
  readonly #counts: Int32Array;
  readonly #held: Int32Array | undefined;
  readonly #max: number;
  readonly #maxWaiting: number;
  readonly #maxWaitingBytes: number;

  constructor(max: number, options: InFlightOptions = {}) {
    this.#counts = new Int32Array(options.buffer ?? newHeldCounts());
    this.#held = options.held ? new Int32Array(options.held) : undefined;
    this.#max = max;
    this.#maxWaiting = max * WAITING_PER_PLACE;
    this.#maxWaitingBytes = options.waitingBytes ?? MAX_WAITING_BYTES;
  }

  /** The shared counts, for the other thread's InFlightPools. */
  get buffer(): SharedArrayBuffer {
    return this.#counts.buffer as SharedArrayBuffer;
  }

  /** A reading place in the pool; undefined (and nothing taken) when it is full. */
  enter(pool: Pool): Place | undefined {
    if (!this.#take(SLOT[pool], 1, this.#max)) return undefined;
    let state: "reading" | "waiting" | "left" = "reading";
    let waitingBytes = 0;
    return {
      wait: (heldBytes) => {
        if (state !== "reading") return state === "waiting";
        // Bytes first. A room that holds nothing lets one request in whatever its charge: with a
        // body limit configured so large that one draft's charge passes the room's bytes, such a
        // request is let in when the room empties (under steady load it may be refused meanwhile).
        const bytes = Math.max(0, Math.trunc(heldBytes));
        const room =
          Atomics.load(this.#counts, WAITING) === 0 ? Number.MAX_SAFE_INTEGER : this.#maxWaitingBytes;
        if (!this.#take(WAITING_BYTES, bytes, room)) return false;
        if (!this.#take(WAITING, 1, this.#maxWaiting)) {
          this.#give(WAITING_BYTES, bytes);
          return false;
        }
        waitingBytes = bytes;
        state = "waiting";
        this.#give(SLOT[pool], 1);
        return true;
      },
      leave: () => {
        if (state === "reading") this.#give(SLOT[pool], 1);
        if (state === "waiting") {
          this.#give(WAITING, 1);
          this.#give(WAITING_BYTES, waitingBytes);
        }
        state = "left";
      },
    };
  }

  /** Takes `amount` of a slot if the slot then holds at most `max`. */
  #take(slot: number, amount: number, max: number): boolean {
    // The holder's count is raised first and lowered last: a thread ended between the two
    // steps has its amount given back once too often, never kept (kept places would refuse
    // alerts for the life of the process). For a place that is one request more let in; for the
    // room's bytes, one charge more, for good: a thread would have to die between two adjacent
    // atomic operations.
    if (this.#held) Atomics.add(this.#held, slot, amount);
    const before = Atomics.add(this.#counts, slot, amount);
    if (before + amount <= max) return true;
    Atomics.sub(this.#counts, slot, amount);
    if (this.#held) Atomics.sub(this.#held, slot, amount);
    return false;
  }

  #give(slot: number, amount: number): void {
    Atomics.sub(this.#counts, slot, amount);
    if (this.#held) Atomics.sub(this.#held, slot, amount);
  }

  /** Gives back the places a holder that has ended still held (its thread is gone: nothing races). */
  releaseHeld(held: SharedArrayBuffer): void {
    const counts = new Int32Array(held);
    for (let slot = 0; slot < SLOTS; slot++) {
      const places = Atomics.exchange(counts, slot, 0);
      if (places > 0) Atomics.sub(this.#counts, slot, places);
    }
  }

  /** Requests reading or waiting for their commit. */
  total(): number {
    return (
      Atomics.load(this.#counts, 0) + Atomics.load(this.#counts, 1) + Atomics.load(this.#counts, WAITING)
    );
  }
}
