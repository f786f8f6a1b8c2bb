import pino from "pino";
import { describe, expect, it } from "vitest";
import { type Module, ModuleList } from "../../../src/lifecycle/module-list.ts";

/** A logger whose lines the test reads (module, ms, msg). */
function recordingLog() {
  const lines: { module?: string; ms?: number; msg: string }[] = [];
  const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

function recorded(calls: string[], name: string, fails?: "start" | "stop"): Module {
  return {
    name,
    async start() {
      calls.push(`start ${name}`);
      if (fails === "start") throw new Error(`${name} cannot start`);
    },
    async stop() {
      calls.push(`stop ${name}`);
      if (fails === "stop") throw new Error(`${name} cannot stop`);
    },
  };
}

describe("the module list", () => {
  it("starts in list order and stops in reverse, logging each with its name and duration", async () => {
    const calls: string[] = [];
    const { log, lines } = recordingLog();
    const list = new ModuleList(
      ["a", "b", "c"].map((name) => recorded(calls, name)),
      log,
    );
    await list.start();
    await list.stop();
    expect(calls).toEqual(["start a", "start b", "start c", "stop c", "stop b", "stop a"]);
    expect(lines.map((line) => `${line.msg} ${line.module}`)).toEqual([
      "module started a",
      "module started b",
      "module started c",
      "module stopped c",
      "module stopped b",
      "module stopped a",
    ]);
    for (const line of lines) expect(line.ms).toBeGreaterThanOrEqual(0);
  });

  it("stops the modules that started when one in the middle fails, and throws its error", async () => {
    const calls: string[] = [];
    const { log, lines } = recordingLog();
    const list = new ModuleList(
      [recorded(calls, "a"), recorded(calls, "b"), recorded(calls, "c", "start"), recorded(calls, "d")],
      log,
    );
    await expect(list.start()).rejects.toThrow("c cannot start");
    expect(calls).toEqual(["start a", "start b", "start c", "stop b", "stop a"]);
    expect(lines.find((line) => line.msg === "module failed to start")?.module).toBe("c");
    // Nothing is left to stop afterwards.
    await list.stop();
    expect(calls).toHaveLength(5);
  });

  it("counts a module without a start as started where it stands, so its stop runs in reverse order", async () => {
    const calls: string[] = [];
    const list = new ModuleList(
      [
        { name: "queue", stop: async () => void calls.push("stop queue") },
        recorded(calls, "platforms"),
        { name: "workers", start: async () => void calls.push("start workers") },
      ],
      pino({ level: "silent" }),
    );
    await list.start();
    await list.stop();
    expect(calls).toEqual(["start platforms", "start workers", "stop platforms", "stop queue"]);
  });

  it("still stops the others when one stop fails, then throws the failure", async () => {
    const calls: string[] = [];
    const list = new ModuleList(
      [recorded(calls, "a"), recorded(calls, "b", "stop"), recorded(calls, "c")],
      pino({ level: "silent" }),
    );
    await list.start();
    await expect(list.stop()).rejects.toThrow("b cannot stop");
    expect(calls.slice(3)).toEqual(["stop c", "stop b", "stop a"]);
  });

  it("asked to stop while starting, starts nothing after the module in progress and stops what started", async () => {
    const calls: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let begin!: () => void;
    const begun = new Promise<void>((resolve) => {
      begin = resolve;
    });
    const list = new ModuleList(
      [
        recorded(calls, "a"),
        {
          name: "slow",
          start: async () => {
            calls.push("start slow");
            begin();
            await held;
          },
          stop: async () => void calls.push("stop slow"),
        },
        recorded(calls, "c"),
      ],
      pino({ level: "silent" }),
    );
    const starting = list.start();
    await begun;
    const stopping = list.stop();
    release();
    await Promise.all([starting, stopping]);
    expect(calls).toEqual(["start a", "start slow", "stop slow", "stop a"]);
  });
});
