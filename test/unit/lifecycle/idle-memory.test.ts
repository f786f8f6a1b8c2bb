// Memory given back after a busy spell (src/lifecycle/idle-memory.ts): one collection once the
// process is quiet and has grown, none while busy, none again until it grows again.
import pino from "pino";
import { describe, expect, it } from "vitest";
import { IdleMemory, type MemoryProbe } from "../../../src/lifecycle/idle-memory.ts";

const MB = 1024 * 1024;

function fakeProbe(rssMb: number) {
  const state = { rss: rssMb * MB, utilization: 0, collections: 0, afterCollection: rssMb * MB };
  const probe: MemoryProbe = {
    rss: () => state.rss,
    utilization: () => state.utilization,
    collect() {
      state.collections++;
      state.rss = state.afterCollection;
    },
  };
  return { state, probe };
}

function idleMemory(probe: MemoryProbe, busy?: () => boolean): IdleMemory {
  // A check interval no test waits for: each test calls check() itself.
  const memory = new IdleMemory({
    log: pino({ level: "silent" }),
    checkMs: 3_600_000,
    probe,
    ...(busy ? { busy } : {}),
  });
  memory.start();
  return memory;
}

describe("IdleMemory", () => {
  it("collects once when quiet after the resident memory grew, then waits for more growth", () => {
    const { state, probe } = fakeProbe(150);
    const memory = idleMemory(probe);
    state.rss = 300 * MB;
    state.afterCollection = 170 * MB;
    memory.check();
    expect(state.collections).toBe(1);
    expect(state.rss).toBe(170 * MB);
    // Grown a little since the collection: not worth another.
    state.rss = 200 * MB;
    memory.check();
    expect(state.collections).toBe(1);
    state.rss = 260 * MB;
    memory.check();
    expect(state.collections).toBe(2);
    memory.stop();
  });

  it("never collects while the event loop is busy", () => {
    const { state, probe } = fakeProbe(150);
    const memory = idleMemory(probe);
    state.rss = 400 * MB;
    state.utilization = 0.4;
    memory.check();
    expect(state.collections).toBe(0);
    state.utilization = 0.01;
    memory.check();
    expect(state.collections).toBe(1);
    memory.stop();
  });

  it("never collects while work people wait for is pending or was taken in, however quiet the loop", () => {
    const { state, probe } = fakeProbe(150);
    let busy = true;
    let asked = 0;
    const memory = idleMemory(probe, () => {
      asked++;
      return busy;
    });
    state.rss = 400 * MB;
    state.utilization = 0.01;
    memory.check();
    memory.check();
    expect(state.collections).toBe(0);
    // Asked at each check: what it counts since the last question is one interval.
    expect(asked).toBe(2);
    busy = false;
    memory.check();
    expect(state.collections).toBe(1);
    memory.stop();
  });

  it("settles the start only once nothing people wait for is pending", () => {
    const { state, probe } = fakeProbe(120);
    let busy = true;
    const memory = new IdleMemory({
      log: pino({ level: "silent" }),
      checkMs: 3_600_000,
      settleStart: true,
      probe,
      busy: () => busy,
    });
    memory.start();
    state.utilization = 0.01;
    memory.check();
    expect(state.collections).toBe(0);
    busy = false;
    memory.check();
    expect(state.collections).toBe(1);
    memory.stop();
  });

  it("leaves a process that has not grown alone", () => {
    const { state, probe } = fakeProbe(150);
    const memory = idleMemory(probe);
    state.rss = 180 * MB;
    memory.check();
    expect(state.collections).toBe(0);
    memory.stop();
  });

  it("settles the start: its first quiet check collects whatever the growth, later ones need growth", () => {
    const { state, probe } = fakeProbe(120);
    const memory = new IdleMemory({
      log: pino({ level: "silent" }),
      checkMs: 3_600_000,
      settleStart: true,
      probe,
    });
    memory.start();
    state.utilization = 0.5;
    memory.check();
    expect(state.collections).toBe(0);
    state.utilization = 0.01;
    state.rss = 121 * MB;
    state.afterCollection = 118 * MB;
    memory.check();
    expect(state.collections).toBe(1);
    state.rss = 125 * MB;
    memory.check();
    expect(state.collections).toBe(1);
    memory.stop();
  });

  it("collects in a real process without --expose-gc on the command line", () => {
    const lines: string[] = [];
    const log = { info: (_fields: object, message: string) => lines.push(message) };
    const memory = new IdleMemory({
      log: log as never,
      checkMs: 3_600_000,
      quietBelow: 1.01,
      growthBytes: 0,
    });
    memory.start();
    memory.check();
    memory.stop();
    expect(lines).toEqual(["memory given back after a busy spell"]);
  });
});
