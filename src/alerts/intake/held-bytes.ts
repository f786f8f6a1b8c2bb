// What a parsed alert may hold of the heap while it waits for its commit: the charge it takes of
// the waiting room's bytes (in-flight.ts). A body's size alone does not bound it: a draft keeps
// a value per member and the details as a parsed tree, and small tokens cost far more parsed
// than written. Measured on the worst shapes found (2026-12-01, three attack reviews of the room;
// test/unit/alerts/waiting-room-heap.test.ts holds them to it under the edge thread's limits):
// - an Alertmanager group of 1,000 alerts written `{}` (no fingerprint: each gets an id hashed
//   from its labels): 3 KB of body, 194 KB held, about 190 bytes per member;
// - details of 64 KB of `{}` (the details cap counts serialised bytes): 1.39 MB held, about 64
//   bytes per value (`[]` 40, `0` 12); objects of 100 keys never seen before, about 140 bytes
//   per value (each new key sequence costs V8 a hidden class);
// - details whose keys are array indices (`{"34":{"34":...}}`): each such key cost about 400
//   bytes with its element store, charged 512 (at 256 the room's drafts held 1.01 times their
//   charges; duplicated index keys, which made JSON.parse size stores by their
//   count, are gone: details are rebuilt from their JSON, draft.ts detailsWithin; label names
//   that are indices are dropped, draft.ts isArrayIndex);
// - a realistic 1,000-member group (fingerprints, labels): 97 KB of body, 85 KB held.
// So: a base for the bounded parts (at most 64 labels, 20 links, a summary, a source), twice the
// body for the text it may copy (two-byte strings, slices), and per member, per details value
// and per index key a little more than the worst measured. The estimate errs high: a typical
// Alertmanager post of 1-5 alerts is charged 21-34 KB.
import { type AlertDraft, isArrayIndex } from "./draft.ts";

/** Labels, links, summary, source and the draft's own objects, beyond their text. */
const HELD_BASE = 16 * 1024;
const HELD_PER_BODY_BYTE = 2;
const HELD_PER_MEMBER = 256;
const HELD_PER_DETAILS_VALUE = 160;
const HELD_PER_INDEX_KEY = 512;

/** The bytes of heap a waiting draft is charged (an upper bound, see above). */
export function heldBytesOf(draft: AlertDraft, bodyBytes: number): number {
  return (
    HELD_BASE +
    HELD_PER_BODY_BYTE * bodyBytes +
    HELD_PER_MEMBER * (draft.members?.length ?? 0) +
    detailsCharge(draft.details)
  );
}

/** Per value of a parsed JSON tree, containers included, and per index key; iterative. */
export function detailsCharge(root: unknown): number {
  let charge = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    charge += HELD_PER_DETAILS_VALUE;
    if (value === null || typeof value !== "object") continue;
    if (Array.isArray(value)) for (const item of value) stack.push(item);
    else
      for (const key of Object.keys(value)) {
        if (isArrayIndex(key)) charge += HELD_PER_INDEX_KEY;
        stack.push((value as Record<string, unknown>)[key]);
      }
  }
  return charge;
}
