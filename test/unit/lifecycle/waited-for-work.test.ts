// Work people wait for (src/lifecycle/waited-for-work.ts): busy while any part has work pending,
// and when any part took work in since the last question, even work already finished.
import { describe, expect, it } from "vitest";
import { busySinceAsked, type WaitedForWork } from "../../../src/lifecycle/waited-for-work.ts";

function part() {
  const state = { pending: false, taken: 0 };
  const work: WaitedForWork = { pending: () => state.pending, taken: () => state.taken };
  return { state, work };
}

describe("busySinceAsked", () => {
  it("is quiet when nothing is pending and nothing was taken in", () => {
    const a = part();
    const b = part();
    a.state.taken = 7; // taken before the predicate was made: not this spell's work
    const busy = busySinceAsked([a.work, b.work]);
    expect(busy()).toBe(false);
    expect(busy()).toBe(false);
  });

  it("is busy while a part has work pending, and quiet once it has none", () => {
    const a = part();
    const busy = busySinceAsked([a.work]);
    a.state.pending = true;
    expect(busy()).toBe(true);
    expect(busy()).toBe(true);
    a.state.pending = false;
    expect(busy()).toBe(false);
  });

  it("is busy once after work taken in and finished between two questions", () => {
    const a = part();
    const b = part();
    const busy = busySinceAsked([a.work, b.work]);
    b.state.taken = 1;
    expect(busy()).toBe(true);
    expect(busy()).toBe(false);
    a.state.taken = 3;
    b.state.taken = 2;
    expect(busy()).toBe(true);
    expect(busy()).toBe(false);
  });
});
