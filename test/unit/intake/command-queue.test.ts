// The bounded command queue: limits, arrival order, and a freed slot that passes to the next in
// line rather than to a newcomer.
import { describe, expect, it } from "vitest";
import { CommandQueue } from "../../../src/intake/command-queue.ts";

function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe("CommandQueue", () => {
  it("runs up to its concurrency, queues up to its capacity, refuses beyond", async () => {
    const queue = new CommandQueue({ concurrency: 2, capacity: 1 });
    const held = gate();
    const started: number[] = [];
    const work = (n: number) => async () => {
      started.push(n);
      await held.opened;
      return n;
    };
    const accepted = [queue.offer(work(1)), queue.offer(work(2)), queue.offer(work(3))];
    expect(accepted.every((p) => p !== undefined)).toBe(true);
    expect(queue.offer(work(4))).toBeUndefined();
    expect([queue.running, queue.waiting]).toEqual([2, 1]);
    expect(started).toEqual([1, 2]);
    held.open();
    expect(await Promise.all(accepted)).toEqual([1, 2, 3]);
    expect(started).toEqual([1, 2, 3]);
    expect([queue.running, queue.waiting]).toEqual([0, 0]);
  });

  it("hands a freed slot to the oldest waiting command, not to one offered meanwhile", async () => {
    const queue = new CommandQueue({ concurrency: 1, capacity: 5 });
    const first = gate();
    const order: string[] = [];
    const running = queue.offer(async () => {
      await first.opened;
      order.push("first");
    });
    const waiting = queue.offer(async () => {
      order.push("waiting");
    });
    first.open();
    await running;
    // The slot is already the waiting command's: a newcomer queues behind it.
    const newcomer = queue.offer(async () => {
      order.push("newcomer");
    });
    await Promise.all([waiting, newcomer]);
    expect(order).toEqual(["first", "waiting", "newcomer"]);
  });

  it("frees the slot of a command that failed", async () => {
    const queue = new CommandQueue({ concurrency: 1, capacity: 0 });
    await expect(queue.offer(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(queue.running).toBe(0);
    expect(await queue.offer(async () => "next")).toBe("next");
  });
});
