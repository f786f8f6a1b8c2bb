// Where the Matrix platform is in the /sync stream (src/chat/matrix/sync-progress.ts), over an
// in-memory PlatformStateStore: tokens are stored in batch order, each after its batch's work.
import { describe, expect, it } from "vitest";
import { MatrixCalls } from "../../../src/chat/matrix/matrix-calls.ts";
import { ClientSlot } from "../../../src/chat/matrix/matrix-client.ts";
import { SyncProgress } from "../../../src/chat/matrix/sync-progress.ts";
import type { PlatformStateStore } from "../../../src/chat/platform.ts";
import { silentLogger } from "../../../src/logging.ts";

class MemoryState implements PlatformStateStore {
  readonly values = new Map<string, string>();
  readonly writes: string[] = [];
  failNextSet = false;

  async get(key: string) {
    return this.values.get(key);
  }
  async set(key: string, value: string) {
    if (this.failNextSet) {
      this.failNextSet = false;
      throw new Error("database down");
    }
    this.values.set(key, value);
    this.writes.push(value);
  }
  async delete(key: string, value?: string) {
    if (value === undefined || this.values.get(key) === value) this.values.delete(key);
  }
  async list(prefix: string) {
    return [...this.values].filter(([key]) => key.startsWith(prefix)).map(([key, value]) => ({ key, value }));
  }
}

function progress(state: PlatformStateStore) {
  return new SyncProgress(
    state,
    new MatrixCalls(silentLogger),
    new ClientSlot(),
    silentLogger,
    "@tocsin:example.org",
  );
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("sync progress", () => {
  it("skips the history of a first start and reads every batch after it", async () => {
    const sync = progress(new MemoryState());
    expect(await sync.load()).toBeNull();
    expect(sync.resumed).toBe(false);
    expect(sync.begin("s1")).toEqual({ since: null, readTimeline: false });
    expect(sync.begin("s2")).toEqual({ since: "s1", readTimeline: true });
  });

  it("resumes from the stored token and reads its first batch", async () => {
    const state = new MemoryState();
    await state.set("sync_token", "s7");
    const sync = progress(state);
    expect(await sync.load()).toBe("s7");
    expect(sync.resumed).toBe(true);
    expect(sync.begin("s8")).toEqual({ since: "s7", readTimeline: true });
  });

  it("stores tokens in batch order, each once its batch's work is done", async () => {
    const state = new MemoryState();
    const sync = progress(state);
    await sync.load();
    const slow = deferred();
    sync.finish("s1", slow.promise);
    sync.finish("s2", Promise.resolve());
    // Barrier: the in-memory store answers in microtasks, and setImmediate runs only once every
    // queued microtask has: a token stored as soon as its own batch's work is done would be in.
    await new Promise((resolve) => setImmediate(resolve));
    expect(state.writes).toEqual([]);
    slow.resolve();
    await sync.settle(60_000);
    expect(state.writes).toEqual(["s1", "s2"]);
  });

  it("goes on with the next token when one could not be stored", async () => {
    const state = new MemoryState();
    const sync = progress(state);
    await sync.load();
    state.failNextSet = true;
    sync.finish("s1", Promise.resolve());
    sync.finish("s2", Promise.resolve());
    await sync.settle(60_000);
    expect(state.values.get("sync_token")).toBe("s2");
  });
});
