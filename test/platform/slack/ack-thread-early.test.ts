// The Slack environment's load (main.ts calls it while PostgreSQL starts) spawns the ack thread
// when Slack is on HTTP, so that the thread's code loads meanwhile; the platform made from those
// settings takes that thread at its first start instead of spawning another. Socket Mode has no
// thread and spawns none. Thread ids are handed out in spawn order, so a probe thread spawned
// before and after the load tells which threads the load spawned.
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { slackEnvironment } from "../../../src/chat/slack/environment.ts";
import { HttpServer } from "../../../src/http/server.ts";
import { silentLogger } from "../../../src/logging.ts";
import { SlackWebApiDouble } from "../../doubles/slack-web-api.ts";
import { SIGNING_SECRET } from "./harness.ts";

async function probeThreadId(): Promise<number> {
  const probe = new Worker("", { eval: true });
  const id = probe.threadId;
  await probe.terminate();
  return id;
}

// Only what the Slack maker reads: the HTTP server and the log.
const deps = (http: HttpServer) =>
  ({ http, log: silentLogger }) as unknown as Parameters<
    Awaited<ReturnType<typeof slackEnvironment.load>>
  >[1];

describe("the ack thread spawned as the Slack environment loads", () => {
  it("is the thread the platform's first start listens with", async () => {
    const slack = await SlackWebApiDouble.start();
    const http = new HttpServer(silentLogger);
    const settings = { botToken: slack.botToken, signingSecret: SIGNING_SECRET, apiUrl: slack.apiUrl };
    const before = await probeThreadId();
    const make = await slackEnvironment.load(settings);
    const after = await probeThreadId();
    // One thread spawned by the load, between the two probes.
    expect(after - before).toBe(2);
    const platform = make(settings, deps(http));
    try {
      await platform.start(async () => "answered here");
      const port = await http.listen(0, "127.0.0.1");
      const worker = (platform as unknown as { ackThread?: { worker?: Worker } }).ackThread?.worker;
      expect(worker?.threadId).toBe(before + 1);
      const answer = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: "POST", body: "x" });
      expect(answer.status).toBe(401);
    } finally {
      await http.close();
      await platform.stop();
      await slack.close();
    }
  });

  it("is not spawned for Socket Mode", async () => {
    const before = await probeThreadId();
    await slackEnvironment.load({ botToken: "xoxb-1", appToken: "xapp-1" });
    expect(await probeThreadId()).toBe(before + 1);
  });
});
