// The alert endpoints' in-flight pools: a holder (the edge thread) that ended holding places has
// them given back by the main thread, once, and no place of another holder with them.
import { describe, expect, it } from "vitest";
import { InFlightPools, newHeldCounts } from "../../../src/alerts/intake/in-flight.ts";

describe("in-flight pools", () => {
  it("give back what an ended holder held, and only that", () => {
    const main = new InFlightPools(2);
    const held = newHeldCounts();
    const edge = new InFlightPools(2, main.buffer, held);
    expect(main.enter("keyed")).toBe(true);
    expect(edge.enter("keyed")).toBe(true);
    expect(edge.enter("keyInBody")).toBe(true);
    expect(edge.enter("keyed")).toBe(false);
    expect(main.total()).toBe(3);
    main.releaseHeld(held);
    // The main thread's own place stays taken; the ended holder's two are free.
    expect(main.total()).toBe(1);
    main.releaseHeld(held);
    expect(main.total()).toBe(1);
    expect(main.enter("keyed")).toBe(true);
    expect(main.enter("keyed")).toBe(false);
  });
});
