// ATTACK: typed mentions are inert, but a person's display name is not typed text: it comes from
// the platform profile (Slack real/display name, Matrix displayname) and is never stripped of the
// private-use characters the bot marks its own live mentions with (src/chat/message.ts mentionOf).
// A name "\uE000U0BOB\uE001" is rendered by block-kit.ts escapeMrkdwn as `<@U0BOB>`: the bot
// posts a live mention (a notification) of whoever the name's owner chose. (`<!channel>` itself
// does not get through: `<` and `>` inside the markers are escaped before the markers are
// replaced, so "\uE000X> <!channel\uE001" renders as the inert `<@X&gt; &lt;!channel>`.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DoubleChannel, SlackRequestSender, SlackWebApiDouble } from "../doubles/slack-web-api.ts";
import { alice } from "../platform/slack/harness.ts";
import { type SlackDesk, startSlackDesk } from "../support/slack-desk.ts";
import { until } from "../support/waiting.ts";

let slack: SlackWebApiDouble;
let sender: SlackRequestSender;
let soc: DoubleChannel;

const mallory = { id: "U0MAL", name: "mallory" };

let desk: SlackDesk;

beforeAll(async () => {
  desk = await startSlackDesk({
    setUp(double) {
      // A colleague's profile name: anyone in the workspace may set their own.
      double.addUser({ id: mallory.id, name: mallory.name, realName: "\uE000U0BOB\uE001" });
      soc = double.addChannel({ name: "soc", members: [alice.id, mallory.id] });
    },
  });
  ({ slack, sender } = desk);
});

afterAll(async () => {
  await desk?.close();
});

describe("a display name cannot become a live mention", () => {
  it("naming a person commander does not mention someone their profile name chose", async () => {
    await sender.slashCommand({ command: "/inc", text: "declare Phishing wave", user: alice, channel: soc });
    const room = await until(
      () => slack.channelByName("inc-2026-0001-phishing-wave"),
      "the incident channel",
    );
    // The channel exists before the declaration has bound it to the incident: a command typed
    // there sooner is not yet an incident room's. The pinned summary comes after the binding.
    await until(() => room.pins.size === 1 || undefined, "the pinned summary");
    await sender.slashCommand({ command: "/inc", text: "lead <@U0MAL|mallory>", user: alice, channel: room });
    const announced = await until(
      () => slack.messagesIn(room.id).find((m) => m.text.includes("is now commander")),
      "the role announcement",
      { detail: () => JSON.stringify(slack.messagesIn(room.id).map((m) => m.text)) },
    );
    const posted = JSON.stringify([announced.text, announced.blocks]);
    expect(posted).not.toContain("<@U0BOB>");
  });
});
