// A commit rebuilds a signal PostgreSQL would refuse (a NUL, a lone surrogate: store.ts
// storable). Rebuilt key by key, details of objects keyed by array indices got element stores
// sized by the largest index: 64 KB of them held 99 MB per signal until the commit answered, and
// three such posts in one batch ended a thread bounded as the edge thread (the attack review of
// 2026-12-01). Rebuilt from their JSON, a batch of them stays small.
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { ACK_THREAD_LIMITS } from "../../../src/chat/slack/ack-thread.ts";

function heapAfter(workerData: { count: number; handOff?: boolean }): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const worker = new Worker(new URL("./storable-heap.worker.ts", import.meta.url), {
      workerData,
      resourceLimits: ACK_THREAD_LIMITS,
    });
    let used: number | undefined;
    worker.on("message", (message: { heapUsed: number }) => {
      used = message.heapUsed;
      void worker.terminate();
    });
    worker.on("error", reject);
    worker.on("exit", (code) =>
      used === undefined ? reject(new Error(`the thread ended (${code})`)) : resolve(used),
    );
  });
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
