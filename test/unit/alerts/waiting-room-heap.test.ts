// The waiting room against the edge thread's heap (the review of the room, 2026-12-01): bodies
// whose drafts are far larger than they are (details of empty objects, groups of members without
// fingerprints) fill a room that bounded body bytes past the edge thread's 256 MB, and the thread
// died (ERR_WORKER_OUT_OF_MEMORY), dropping every connection it held, Slack's included. The room
// now charges each draft an upper bound of what it holds (held-bytes.ts): filled with each shape,
// in a thread bounded as the edge is, it stays alive, the heap its drafts take is within their
// charges, and the whole heap stays far below the bound (bodies being read, 32 MB, and a batch
// come beside it).
import { describe, expect, it } from "vitest";
import { MAX_WAITING_BYTES } from "../../../src/alerts/intake/in-flight.ts";
import { runEdgeBounded } from "../../support/edge-bounded-worker.ts";
import type { Shape } from "./waiting-room-heap.worker.ts";

interface Filled {
  held: number;
  bodyBytes: number;
  charged: number;
  heapUsed: number;
  grew: number;
}

function fillRoom(shape: Shape, maxInFlight = 64): Promise<Filled> {
  return runEdgeBounded(
    new URL("./waiting-room-heap.worker.ts", import.meta.url),
    { shape, maxInFlight },
    "the room was full",
  );
}

const MB = 1024 * 1024;

describe("the waiting room, filled, in a thread bounded as the edge thread", () => {
  it.each<[Shape, number]>([
    ["details-objects", 64],
    ["details-arrays", 64],
    ["members-bare", 64],
    ["members-real", 64],
    // A raised TOCSIN_ALERT_IN_FLIGHT raises the room's requests, not the heap its drafts hold.
    ["members-bare", 120],
    // The second review's shapes: index keys, which V8 keeps as elements in stores it sizes.
    ["labels-indices", 64],
    ["details-duplicate-indices", 64],
    ["details-index-chains", 64],
    ["details-nul-index-chains", 64],
    ["details-nul-duplicate-indices", 64],
  ])(
    "%s (TOCSIN_ALERT_IN_FLIGHT %i): alive, its drafts within their charges",
    { timeout: 120_000 },
    async (shape, inFlight) => {
      const filled = await fillRoom(shape, inFlight);
      expect(filled.held).toBeGreaterThan(1);
      expect(filled.charged).toBeLessThanOrEqual(MAX_WAITING_BYTES);
      expect(filled.grew).toBeLessThanOrEqual(filled.charged);
      expect(filled.heapUsed).toBeLessThan(64 * MB);
    },
  );
});
