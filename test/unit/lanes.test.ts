// The shared ordered lanes and retries (src/chat/lanes.ts) behind Slack's CallLanes and Matrix's
// MatrixCalls. "Not started yet" and "not stalled" are proven with barriers: work in another lane
// that has to finish first, never a sleep.
import { describe, expect, it } from "vitest";
import { type CallFailure, Lanes, type RetryPolicy } from "../../src/chat/lanes.ts";
import { captureLog } from "../support/waiting.ts";

class Scripted extends Error {
  readonly failure: CallFailure;
  constructor(failure: CallFailure) {
    super(failure.kind);
    this.failure = failure;
  }
}

class Stopped extends Error {}

const FAST: RetryPolicy = { rateLimitWaits: 3, transientRetries: 2, backoffMs: 1, maxBackoffMs: 2 };

function lanes(policy: Partial<RetryPolicy> = {}) {
  const captured = captureLog();
  const made = new Lanes({
    platform: "Test",
    log: captured.log,
    policy: { ...FAST, ...policy },
    classify: (error) => (error instanceof Scripted ? error.failure : { kind: "final" }),
    stopped: () => new Stopped("stopped"),
  });
  return { lanes: made, logs: captured.entries };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A call that fails with each scripted failure in turn, then answers `value`. */
function scriptedCall<T>(failures: CallFailure[], value: T) {
  const state = { attempts: 0 };
  const call = async (): Promise<T> => {
    const failure = failures[state.attempts++];
    if (failure) throw new Scripted(failure);
    return value;
  };
  return { state, call };
}

describe("ordered lanes", () => {
  it("runs one lane's work one piece at a time, in order, past a failure", async () => {
    const { lanes: l } = lanes();
    const order: string[] = [];
    const firstStarted = deferred();
    const releaseFirst = deferred();
    const first = l.inLane("room", async () => {
      order.push("first start");
      firstStarted.resolve();
      await releaseFirst.promise;
      order.push("first end");
      throw new Error("first failed");
    });
    const second = l.inLane("room", async () => {
      order.push("second");
      return 2;
    });
    await firstStarted.promise;
    // Barrier: work in another lane finishes while the first piece is still running.
    await l.inLane("other room", async () => {});
    expect(order).toEqual(["first start"]);
    releaseFirst.resolve();
    await expect(first).rejects.toThrow("first failed");
    await expect(second).resolves.toBe(2);
    expect(order).toEqual(["first start", "first end", "second"]);
  });

  it("keeps lanes independent: a busy lane does not hold another", async () => {
    const { lanes: l } = lanes();
    const release = deferred();
    const busy = l.inLane("a", () => release.promise);
    // Finishing at all is the proof: the lane "a" is still busy.
    await expect(l.inLane("b", async () => "b done")).resolves.toBe("b done");
    release.resolve();
    await busy;
  });

  it("starts a fresh lane once an earlier lane of the same name went idle", async () => {
    const { lanes: l } = lanes();
    await l.inLane("room", async () => {});
    await expect(l.inLane("room", async () => "again")).resolves.toBe("again");
  });
});

describe("urgent work (pages)", () => {
  it("goes ahead of the lane's waiting work, behind only the running piece and earlier urgent work", async () => {
    const { lanes: l } = lanes();
    const order: string[] = [];
    const running = deferred();
    const first = l.inLane("room", async () => {
      await running.promise;
      order.push("edit 0");
    });
    const edits = Array.from({ length: 5 }, (_, i) =>
      l.inLane("room", async () => {
        order.push(`edit ${i + 1}`);
      }),
    );
    const pageLine = l.inLane("room", async () => order.push("page line"), { urgent: true });
    const secondPage = l.inLane("room", async () => order.push("second page"), { urgent: true });
    expect(l.waiting("room")).toBe(7);
    running.resolve();
    await Promise.all([first, ...edits, pageLine, secondPage]);
    expect(order).toEqual([
      "edit 0",
      "page line",
      "second page",
      "edit 1",
      "edit 2",
      "edit 3",
      "edit 4",
      "edit 5",
    ]);
    expect(l.waiting("room")).toBe(0);
  });

  it("a failing urgent piece gives its error to its caller and the lane goes on", async () => {
    const { lanes: l } = lanes();
    const failed = l.inLane("room", async () => Promise.reject(new Error("platform refused")), {
      urgent: true,
    });
    const next = l.inLane("room", async () => "edited");
    await expect(failed).rejects.toThrow("platform refused");
    expect(await next).toBe("edited");
  });
});

describe("retries", () => {
  it("waits out a rate limit in one lane without stalling another lane", async () => {
    const { lanes: l, logs } = lanes({ maxRateLimitWaitMs: 60_000 });
    const limited = scriptedCall([{ kind: "rate-limited", retryAfterMs: 60_000 }], "late");
    const behindLimited = deferred<string>();
    const waiting = l.inLane("a", () => l.run("post", limited.call, { lane: "a" }));
    const queued = l.inLane("a", async () => {
      behindLimited.resolve("ran");
      return "queued";
    });
    // Barrier: lane "b" answers while lane "a" waits out its minute.
    await expect(l.inLane("b", () => l.run("post", async () => "b answered", { lane: "b" }))).resolves.toBe(
      "b answered",
    );
    expect(limited.state.attempts).toBe(1);
    expect(logs.some((e) => e.msg === "Test rate limit: waiting before retrying" && e.lane === "a")).toBe(
      true,
    );
    // The rate-limited call's lane keeps its order: what came after it has not run.
    let queuedRan = false;
    void behindLimited.promise.then(() => {
      queuedRan = true;
    });
    await l.inLane("b", async () => {});
    expect(queuedRan).toBe(false);
    l.stop();
    await expect(waiting).rejects.toBeInstanceOf(Stopped);
    await expect(queued).resolves.toBe("queued");
  });

  it("repeats a rate-limited call after the advised wait, a bounded number of times", async () => {
    const { lanes: l } = lanes({ rateLimitWaits: 2 });
    const twice = scriptedCall(
      [
        { kind: "rate-limited", retryAfterMs: 1 },
        { kind: "rate-limited", retryAfterMs: 1 },
      ],
      "sent",
    );
    await expect(l.run("post", twice.call)).resolves.toBe("sent");
    expect(twice.state.attempts).toBe(3);

    const thrice = scriptedCall(
      [
        { kind: "rate-limited", retryAfterMs: 1 },
        { kind: "rate-limited", retryAfterMs: 1 },
        { kind: "rate-limited", retryAfterMs: 1 },
      ],
      "sent",
    );
    await expect(l.run("post", thrice.call)).rejects.toBeInstanceOf(Scripted);
    expect(thrice.state.attempts).toBe(3);
  });

  it("caps an advised wait at maxRateLimitWaitMs, and backs off without advice", async () => {
    const { lanes: l, logs } = lanes({ maxRateLimitWaitMs: 5 });
    const call = scriptedCall(
      [{ kind: "rate-limited", retryAfterMs: 3_600_000 }, { kind: "rate-limited" }],
      1,
    );
    await expect(l.run("post", call.call)).resolves.toBe(1);
    const waits = logs
      .filter((e) => e.msg === "Test rate limit: waiting before retrying")
      .map((e) => e.waitMs);
    expect(waits[0]).toBe(5);
    expect(waits[1]).toBeLessThanOrEqual(5);
  });

  it("retries transient failures of repeatable calls only, a bounded number of times", async () => {
    const { lanes: l } = lanes({ transientRetries: 2 });
    const flaky = scriptedCall(
      [
        { kind: "transient", reason: "HTTP 502" },
        { kind: "transient", reason: "network" },
      ],
      "ok",
    );
    await expect(l.run("read", flaky.call)).resolves.toBe("ok");
    expect(flaky.state.attempts).toBe(3);

    const once = scriptedCall([{ kind: "transient", reason: "HTTP 502" }], "ok");
    await expect(l.run("create room", once.call, { repeatable: false })).rejects.toBeInstanceOf(Scripted);
    expect(once.state.attempts).toBe(1);

    const down = scriptedCall(
      [
        { kind: "transient", reason: "network" },
        { kind: "transient", reason: "network" },
        { kind: "transient", reason: "network" },
      ],
      "ok",
    );
    await expect(l.run("read", down.call)).rejects.toBeInstanceOf(Scripted);
    expect(down.state.attempts).toBe(3);
  });

  it("gives a final failure to the caller at once", async () => {
    const { lanes: l } = lanes();
    const refused = scriptedCall([{ kind: "final" }], "ok");
    await expect(l.run("invite", refused.call)).rejects.toBeInstanceOf(Scripted);
    expect(refused.state.attempts).toBe(1);
  });

  it("refuses calls after stop() and accepts them again after resume()", async () => {
    const { lanes: l } = lanes();
    l.stop();
    await expect(l.run("post", async () => 1)).rejects.toBeInstanceOf(Stopped);
    await expect(l.wait(1)).rejects.toBeInstanceOf(Stopped);
    l.resume();
    await expect(l.run("post", async () => 1)).resolves.toBe(1);
  });
});
