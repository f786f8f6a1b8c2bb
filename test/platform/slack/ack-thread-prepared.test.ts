// The ack thread prepared ahead of time (prepareAckThread): Slack's start spawns it so that its
// code loads while tocsin starts; the first listen gives it its settings instead of spawning a
// second thread, and a close before any listen ends it (a start that failed leaves no thread).
import { describe, expect, it } from "vitest";
import { prepareAckThread, SlackAckThread } from "../../../src/chat/slack/ack-thread.ts";
import { silentLogger } from "../../../src/logging.ts";

function ackThread(prepared: ReturnType<typeof prepareAckThread>) {
  return new SlackAckThread({
    signingSecret: "secret",
    path: "/slack/events",
    installation: () => undefined,
    deliver: () => {},
    log: silentLogger,
    prepared,
  });
}

describe("an ack thread prepared ahead of time", () => {
  it("is the thread that listens, given its settings by the first listen", async () => {
    const prepared = prepareAckThread();
    const thread = ackThread(prepared);
    try {
      const port = await thread.listen(0, "127.0.0.1", { host: "127.0.0.1", port: 9 });
      expect(port).toBeGreaterThan(0);
      expect(thread.worker).toBe(prepared);
      const answer = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: "POST", body: "x" });
      expect(answer.status).toBe(401);
    } finally {
      await thread.close();
    }
  });

  it("is replaced by a fresh thread when it ended before the ack thread was made", async () => {
    // ATTACK: the prepared thread died (or was ended) while Bolt initialised and auth.test was
    // answered, before SlackAckThread watched it: its exit was never seen, the settings went to a
    // dead thread, and listen waited forever for a "listening" that could not come.
    const prepared = prepareAckThread();
    const exited = new Promise<number>((resolve) => prepared.once("exit", resolve));
    await prepared.terminate();
    await exited;
    const thread = ackThread(prepared);
    try {
      const port = await thread.listen(0, "127.0.0.1", { host: "127.0.0.1", port: 9 });
      expect(thread.worker).not.toBe(prepared);
      const answer = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: "POST", body: "x" });
      expect(answer.status).toBe(401);
    } finally {
      await thread.close();
    }
  });

  it("ends when closed before it ever listened", async () => {
    const prepared = prepareAckThread();
    const exited = new Promise<number>((resolve) => prepared.once("exit", resolve));
    await ackThread(prepared).close();
    // The barrier: the exit event comes only once the thread has ended.
    await exited;
  });
});
