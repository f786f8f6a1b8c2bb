// The alert endpoints' in-flight pools: reading places, the waiting room a request moves to once
// its body is read (bounded in requests and in bytes), and a holder (the edge thread) that ended
// holding either has them given back by the main thread, once, and no place of another holder.
import { describe, expect, it } from "vitest";
import { InFlightPools, newHeldCounts, WAITING_PER_PLACE } from "../../../src/alerts/intake/in-flight.ts";

describe("in-flight pools", () => {
  it("give back what an ended holder held, reading and waiting, and only that", () => {
    const main = new InFlightPools(2, { waitingBytes: 1000 });
    const held = newHeldCounts();
    const edge = new InFlightPools(2, { buffer: main.buffer, held, waitingBytes: 1000 });
    expect(main.enter("keyed")).toBeDefined();
    expect(edge.enter("keyed")).toBeDefined();
    expect(edge.enter("keyInBody")).toBeDefined();
    expect(edge.enter("keyed")).toBeUndefined();
    const waiting = edge.enter("keyInBody");
    expect(waiting?.wait(600)).toBe(true);
    expect(main.total()).toBe(4);
    main.releaseHeld(held);
    // The main thread's own place stays taken; the ended holder's three, and its 600 bytes, are free.
    expect(main.total()).toBe(1);
    main.releaseHeld(held);
    expect(main.total()).toBe(1);
    expect(main.enter("keyed")).toBeDefined();
    expect(main.enter("keyed")).toBeUndefined();
    expect(main.enter("keyInBody")?.wait(1000)).toBe(true);
  });

  it("move a read request to the waiting room, freeing its reading place", () => {
    const pools = new InFlightPools(1);
    const first = pools.enter("keyed");
    expect(pools.enter("keyed")).toBeUndefined();
    expect(first?.wait(100)).toBe(true);
    const second = pools.enter("keyed");
    expect(second).toBeDefined();
    expect(pools.total()).toBe(2);
    first?.leave();
    first?.leave();
    second?.leave();
    expect(pools.total()).toBe(0);
  });

  it("bound the waiting room by requests: maxInFlight x WAITING_PER_PLACE", () => {
    const pools = new InFlightPools(2);
    for (let i = 0; i < 2 * WAITING_PER_PLACE; i++) {
      const place = pools.enter("keyed");
      expect(place?.wait(10)).toBe(true);
    }
    const refused = pools.enter("keyed");
    expect(refused?.wait(10)).toBe(false);
    // Refused the waiting room, it still holds its reading place until it leaves.
    expect(pools.total()).toBe(2 * WAITING_PER_PLACE + 1);
    refused?.leave();
    expect(pools.total()).toBe(2 * WAITING_PER_PLACE);
  });

  it("bound the waiting room by bytes, but let one request into an empty room whatever its size", () => {
    const pools = new InFlightPools(8, { waitingBytes: 1000 });
    const big = pools.enter("keyed");
    expect(big?.wait(5000)).toBe(true);
    expect(pools.enter("keyed")?.wait(1)).toBe(false);
    big?.leave();
    const a = pools.enter("keyed");
    expect(a?.wait(700)).toBe(true);
    const b = pools.enter("keyed");
    expect(b?.wait(400)).toBe(false);
    expect(b?.wait(300)).toBe(true);
    a?.leave();
    expect(pools.enter("keyed")?.wait(700)).toBe(true);
  });

  it("give back the bytes a request took when the room's request bound refuses it", () => {
    // Refused by the count after its bytes were taken: kept, every refusal would shrink the room.
    const pools = new InFlightPools(1, { waitingBytes: 1000 });
    const inRoom = Array.from({ length: WAITING_PER_PLACE }, () => {
      const place = pools.enter("keyed");
      expect(place?.wait(1)).toBe(true);
      return place;
    });
    for (let i = 0; i < 10; i++) {
      const refused = pools.enter("keyed");
      expect(refused?.wait(90)).toBe(false);
      refused?.leave();
    }
    for (const place of inRoom) place?.leave();
    const first = pools.enter("keyed");
    expect(first?.wait(1)).toBe(true);
    expect(pools.enter("keyed")?.wait(999)).toBe(true);
  });

  it("take nothing on a wait() after leave(), and give back once on a second leave()", () => {
    const pools = new InFlightPools(1, { waitingBytes: 100 });
    const place = pools.enter("keyed");
    expect(place?.wait(50)).toBe(true);
    place?.leave();
    expect(place?.wait(50)).toBe(false);
    place?.leave();
    expect(pools.total()).toBe(0);
    const a = pools.enter("keyed");
    expect(a?.wait(60)).toBe(true);
    expect(pools.enter("keyed")?.wait(41)).toBe(false);
  });
});
