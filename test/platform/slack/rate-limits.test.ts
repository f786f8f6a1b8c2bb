// Web API failures: a 429 holds only the rate-limited channel, for as long as Slack says, and
// the message still arrives in order; server errors are retried; a post that finally fails is
// logged with its channel and first line and the error reaches the caller.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { heading, message, text } from "../../../src/chat/message.ts";
import { until } from "../../support/waiting.ts";
import { addPeople, type SlackHarness, startSlackHarness } from "./harness.ts";

describe("Slack Web API failures", () => {
  let h: SlackHarness;

  beforeAll(async () => {
    h = await startSlackHarness();
    addPeople(h.slack);
  });

  afterAll(async () => {
    await h.close();
  });

  /** Resolves once the client has taken in a 429 on `method` and waits it out (logged). */
  function clientWaitsOnRateLimit(method: string) {
    return until(
      // The shared lanes (src/chat/lanes.ts) log the wait with the call's name in `call`.
      () =>
        h.logs.some((e) => /rate limit: waiting before retrying$/.test(String(e.msg)) && e.call === method),
      `the client waiting out the 429 on ${method}`,
    );
  }

  it("retries a rate-limited post after Retry-After, in order, without delaying another channel", async () => {
    const channelA = h.slack.addChannel({ name: "inc-a" });
    const channelB = h.slack.addChannel({ name: "inc-b" });
    h.slack.rateLimit("chat.postMessage", { channel: channelA.id, retryAfterSeconds: 1 });

    const started = Date.now();
    const firstToA = h.platform.post(channelA.id, message(text("A1")));
    const secondToA = h.platform.post(channelA.id, message(text("A2")));
    await h.slack.waitForCall(
      "chat.postMessage",
      (c) => c.params.channel === channelA.id && c.status === 429,
    );
    // B posts once the client has taken in the 429: a client-wide pause would hold B from here.
    await clientWaitsOnRateLimit("chat.postMessage");
    const bStarted = Date.now();
    const toB = await h.platform.post(channelB.id, message(text("B1")));
    const bLatency = Date.now() - bStarted;
    await Promise.all([firstToA, secondToA]);
    const aDoneAfter = Date.now() - started;

    expect(toB).toBeTruthy();
    expect(bLatency).toBeLessThan(300);
    expect(aDoneAfter).toBeGreaterThanOrEqual(1000);
    expect(h.slack.messagesIn(channelA.id).map((m) => m.text)).toEqual(["A1", "A2"]);
    expect(h.slack.messagesIn(channelB.id).map((m) => m.text)).toEqual(["B1"]);
    const retried = h.slack.callsTo("chat.postMessage").filter((c) => c.params.channel === channelA.id);
    expect(retried.map((c) => c.status)).toEqual([429, 200, 200]);
    expect(retried[1]!.at - retried[0]!.at).toBeGreaterThanOrEqual(990);
    console.info(`429 on channel A: B delivered in ${bLatency} ms during the wait, A after ${aDoneAfter} ms`);
  });

  it("holds only the rate-limited method for calls outside channels", async () => {
    h.slack.rateLimit("users.info", { retryAfterSeconds: 1 });
    const started = Date.now();
    const lookup = h.platform.lookupUser("U0ALICE");
    await h.slack.waitForCall("users.info", (c) => c.status === 429);
    await clientWaitsOnRateLimit("users.info");
    const channel = h.slack.addChannel({ name: "inc-c" });
    const postStarted = Date.now();
    await h.platform.post(channel.id, message(text("not held")));
    expect(Date.now() - postStarted).toBeLessThan(300);
    expect(await lookup).toMatchObject({ externalId: "U0ALICE" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it("retries a post after HTTP 500", async () => {
    const channel = h.slack.addChannel({ name: "inc-d" });
    h.slack.serverError("chat.postMessage", { times: 2, channel: channel.id });
    const ts = await h.platform.post(channel.id, message(text("after two 500s")));
    expect(h.slack.messagesIn(channel.id).map((m) => m.ts)).toEqual([ts]);
    expect(
      h.slack
        .callsTo("chat.postMessage")
        .filter((c) => c.params.channel === channel.id)
        .map((c) => c.status),
    ).toEqual([500, 500, 200]);
  });

  it("logs a post that keeps failing with its channel and first line, and rethrows", async () => {
    const channel = h.slack.addChannel({ name: "inc-e" });
    h.slack.serverError("chat.postMessage", { times: 100, channel: channel.id });
    await expect(
      h.platform.post(channel.id, { ...message(heading("INC-2026-0042 · Lost?"), text("body")), tlp: "red" }),
    ).rejects.toMatchObject({ statusCode: 500 });
    const logged = h.logs.find(
      (entry) => entry.msg === "Slack message not delivered" && entry.channel === channel.id,
    );
    expect(logged).toMatchObject({ firstLine: "== INC-2026-0042 · Lost? ==", what: "chat.postMessage" });
    // The default policy's bounded retries: one try plus four retries.
    expect(h.slack.callsTo("chat.postMessage").filter((c) => c.params.channel === channel.id)).toHaveLength(
      5,
    );
  });

  it("does not retry Slack's refusals", async () => {
    await expect(h.platform.post("C0MISSING", message(text("nowhere")))).rejects.toMatchObject({
      data: { error: "channel_not_found" },
    });
    expect(h.slack.callsTo("chat.postMessage").filter((c) => c.params.channel === "C0MISSING")).toHaveLength(
      1,
    );
  });
});
