// A commit rebuilds a signal PostgreSQL would refuse (a NUL, a lone surrogate: store.ts
// storable). Rebuilt key by key, details of objects keyed by array indices got element stores
// sized by the largest index: 64 KB of them held 99 MB per signal until the commit answered, and
// three such posts in one batch ended a thread bounded as the edge thread (the attack review of
// 2026-12-01). Rebuilt from their JSON, a batch of them stays small.
import { describe, expect, it } from "vitest";
import { runEdgeBounded } from "../../support/edge-bounded-worker.ts";

async function heapAfter(workerData: { count: number; handOff?: boolean }): Promise<number> {
  const { heapUsed } = await runEdgeBounded<{ heapUsed: number }>(
    new URL("./storable-heap.worker.ts", import.meta.url),
    workerData,
  );
  return heapUsed;
}

describe("drafts of index-keyed details handed to the main thread", () => {
  // postMessage's copy rebuilt them key by key: 99 MB per draft on the main thread. Handed as
  // JSON text (requests.ts handedAlert), they are rebuilt by JSON.parse, small.
  it("stay small once copied as the hand-off copies them", { timeout: 120_000 }, async () => {
    expect(await heapAfter({ count: 6, handOff: true })).toBeLessThan(64 * 1024 * 1024);
  });
});

describe("a batch of signals the commit must clean", () => {
  it("holds little while the commit runs, in a thread bounded as the edge thread", {
    timeout: 120_000,
  }, async () => {
    const heapUsed = await heapAfter({ count: 8 });
    expect(heapUsed).toBeLessThan(64 * 1024 * 1024);
  });
});
