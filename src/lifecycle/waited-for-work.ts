// Whether the desk has work a person waits for: a page or alert answer pending, or taken in
// since the last question. The composition root builds it from what its parts say about
// themselves (no part learns who asks or why), and the idle-memory collection asks it before it
// stalls the process: a full GC blocks the main thread for 100-150 ms, which a page in flight
// would wait out.

/** One part of the desk, as it reports the work people wait for. */
export interface WaitedForWork {
  /** Whether such work is queued or running now. */
  pending(): boolean;
  /** How much such work the part has taken in so far; only grows (0 when it does not count). */
  taken(): number;
}

/**
 * A predicate that is true while any part has work pending, and also when any part took work in
 * since the predicate was last asked: a spell between two questions that began and ended in
 * between (a page sent in 30 ms, every 200 ms) is busy too, so sampling cannot miss it.
 */
export function busySinceAsked(parts: readonly WaitedForWork[]): () => boolean {
  let lastTaken = totalTaken(parts);
  return () => {
    const taken = totalTaken(parts);
    const tookWork = taken !== lastTaken;
    lastTaken = taken;
    return tookWork || parts.some((part) => part.pending());
  };
}

function totalTaken(parts: readonly WaitedForWork[]): number {
  let total = 0;
  for (const part of parts) total += part.taken();
  return total;
}
