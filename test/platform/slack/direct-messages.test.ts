// A person writing to the bot in its Messages tab gets a pointer to the commands (the manifest
// subscribes to message.im for this); the bot's own messages and other events there get nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { text } from "../../../src/chat/message.ts";
import { DIRECT_MESSAGE_HINT } from "../../../src/chat/slack/direct-messages.ts";
import type { DoubleChannel } from "../../doubles/slack-web-api.ts";
import { until } from "../../support/waiting.ts";
import { addPeople, alice, type SlackHarness, startSlackHarness } from "./harness.ts";

let h: SlackHarness;
let dm: DoubleChannel;

beforeAll(async () => {
  h = await startSlackHarness();
  addPeople(h.slack);
  dm = h.slack.addChannel({ name: "dm-alice", members: [alice.id] });
});
afterAll(async () => {
  await h?.close();
});

const hintsPosted = () =>
  h.slack.callsTo("chat.postMessage").filter((call) => call.params.channel === dm.id && call.ok);

describe("messages in the bot's Messages tab", () => {
  it("answers a person's message once with the commands, and ignores the bot's own and edits", async () => {
    const at = () => `${Date.now() / 1000}`;
    await h.sender.event({
      type: "message",
      channel_type: "im",
      channel: dm.id,
      bot_id: "B0TOCSIN",
      text: "page",
      ts: at(),
    });
    await h.sender.event({
      type: "message",
      subtype: "message_changed",
      channel_type: "im",
      channel: dm.id,
      ts: at(),
    });
    await h.sender.event({
      type: "message",
      channel_type: "channel",
      channel: dm.id,
      user: alice.id,
      text: "hi all",
      ts: at(),
    });
    const first = await h.sender.event({
      type: "message",
      channel_type: "im",
      channel: dm.id,
      user: alice.id,
      text: "hello?",
      ts: at(),
    });
    await h.sender.event(
      { type: "message", channel_type: "im", channel: dm.id, user: alice.id, text: "hello?", ts: at() },
      { eventId: first.eventId, retryNum: 1 },
    );
    await h.sender.event({
      type: "message",
      channel_type: "im",
      channel: dm.id,
      user: alice.id,
      text: "anyone?",
      ts: at(),
    });
    await until(() => (hintsPosted().length >= 2 ? true : undefined), "the answers to alice");
    // Barrier: posts to one channel go out in order, and every answer above was queued when its
    // event was acknowledged, so once this post is through, any extra answer would be too.
    await h.platform.post(dm.id, { blocks: [text("barrier")] });
    const answers = hintsPosted().filter((call) => String(call.params.text).includes(DIRECT_MESSAGE_HINT));
    expect(answers).toHaveLength(2);
    expect(String(answers[0]?.params.text)).toContain(DIRECT_MESSAGE_HINT);
  });
});
