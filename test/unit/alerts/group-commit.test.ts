// Group commit: requests arriving while a batch is written share the next write; each settles
// after the write that holds its items; one refused request fails alone.
import { describe, expect, it } from "vitest";
import { GroupCommit } from "../../../src/alerts/group-commit.ts";

describe("group commit", () => {
  it("writes requests that arrive during a write together, and settles each after its write", async () => {
    const writes: number[][] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started: () => void = () => {};
    const firstStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const commits = new GroupCommit<number>(
      async (items) => {
        writes.push([...items]);
        if (writes.length === 1) {
          started();
          await gate;
        }
      },
      { maxItems: 100, isFatal: () => false },
    );
    const first = commits.submit([1]);
    await firstStarted;
    const rest = [commits.submit([2, 3]), commits.submit([4])];
    release();
    await Promise.all([first, ...rest]);
    expect(writes).toEqual([[1], [2, 3, 4]]);
  });

  it("takes requests of the same tick into one batch, never splits a request, and caps a batch at maxItems", async () => {
    const writes: number[][] = [];
    const commits = new GroupCommit<number>(async (items) => void writes.push([...items]), {
      maxItems: 3,
      isFatal: () => false,
    });
    await Promise.all([
      commits.submit([1]),
      commits.submit([2, 3]),
      commits.submit([4, 5]),
      commits.submit([6, 7, 8, 9]),
    ]);
    expect(writes).toEqual([
      [1, 2, 3],
      [4, 5],
      [6, 7, 8, 9],
    ]);
  });

  it("retries a failed batch request by request, so only the bad one fails; a fatal error fails them all", async () => {
    let fatal = false;
    const commits = new GroupCommit<number>(
      async (items) => {
        if (fatal) throw new Error("database down");
        if (items.includes(13)) throw new Error("refused");
      },
      { maxItems: 100, isFatal: (error) => (error as Error).message === "database down" },
    );
    const results = await Promise.allSettled([
      commits.submit([1]),
      commits.submit([13]),
      commits.submit([2]),
    ]);
    // The three share a batch, which is refused; written again one by one, only 13 fails.
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    fatal = true;
    const down = await Promise.allSettled([commits.submit([1]), commits.submit([2])]);
    expect(down.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });
});
