// Socket Mode (SLACK_APP_TOKEN): the same listeners behind Bolt's SocketModeReceiver, with the
// double's apps.connections.open and WebSocket standing in for Slack.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Invocation } from "../../../src/chat/invocation.ts";
import { SlackPlatform } from "../../../src/chat/slack/slack-platform.ts";
import {
  eventCallback,
  newEventId,
  SlackWebApiDouble,
  slashCommandFields,
} from "../../doubles/slack-web-api.ts";
import { until } from "../../support/waiting.ts";
import { addPeople, alice, bob, captureLog, FAST_RETRIES, SIGNING_SECRET } from "./harness.ts";

describe("Slack over Socket Mode", () => {
  let slack: SlackWebApiDouble;
  let platform: SlackPlatform;
  const invocations: Invocation[] = [];
  const captured = captureLog();

  beforeAll(async () => {
    slack = await SlackWebApiDouble.start();
    addPeople(slack);
    platform = new SlackPlatform({
      botToken: slack.botToken,
      signingSecret: SIGNING_SECRET,
      appToken: slack.appToken,
      apiUrl: slack.apiUrl,
      log: captured.log,
      retryPolicy: FAST_RETRIES,
    });
    await platform.start(async (invocation) => {
      invocations.push(invocation);
      return "answered here";
    });
    await slack.waitForSocket();
  });

  afterAll(async () => {
    await platform.stop();
    await slack.close();
  });

  it("connects with the app-level token and listens on no HTTP port", () => {
    expect(slack.callsTo("apps.connections.open")).toHaveLength(1);
    expect(platform.port).toBeUndefined();
  });

  it("acks a slash command envelope at once and invokes it", async () => {
    const channel = slack.addChannel({ name: "soc", members: [alice.id] });
    const fields = slashCommandFields(slack, {
      command: "/inc",
      text: "list",
      user: alice,
      channel: { id: channel.id, name: channel.name },
    });
    const delivered = await slack.deliverOverSocket("slash_commands", fields);
    expect(delivered.ack.envelope_id).toBe(delivered.envelopeId);
    expect(delivered.elapsedMs).toBeLessThan(3000);
    await expect
      .poll(() => invocations.find((i) => i.dedupeKey === `command:${fields.trigger_id}`))
      .toMatchObject({
        platform: "slack",
        text: "/inc list",
        actor: { externalId: alice.id },
        room: { roomId: channel.id, name: "soc" },
      });
  });

  it("takes an event redelivered with retry_attempt once", async () => {
    const room = slack.addChannel({ name: "inc-2026-0001-x", isPrivate: true, members: [alice.id, bob.id] });
    const noted = slack.addMessage(room.id, { user: alice.id, text: "IOC: 203.0.113.7" });
    const eventId = newEventId();
    const pushpin = {
      type: "reaction_added",
      user: bob.id,
      reaction: "pushpin",
      item_user: alice.id,
      item: { type: "message", channel: room.id, ts: noted.ts },
      event_ts: `${Date.now() / 1000}`,
    };
    const envelope = eventCallback(slack, pushpin, eventId);
    await slack.deliverOverSocket("events_api", envelope);
    await slack.deliverOverSocket("events_api", envelope, { retryAttempt: 1 });
    await until(() => invocations.some((i) => i.dedupeKey === `event:${eventId}`), "the 📌 note");
    // A barrier: another 📌 delivered after the redelivery; once it has run, the redelivery had
    // its turn and ran nothing.
    const barrierId = newEventId();
    await slack.deliverOverSocket(
      "events_api",
      eventCallback(slack, { ...pushpin, event_ts: `${Date.now() / 1000}` }, barrierId),
    );
    await until(() => invocations.some((i) => i.dedupeKey === `event:${barrierId}`), "the barrier's 📌 note");
    expect(invocations.filter((i) => i.dedupeKey === `event:${eventId}`)).toHaveLength(1);
    expect(invocations.find((i) => i.dedupeKey === `event:${eventId}`)?.text).toBe(
      `/inc note 📌 from <@${alice.id}>: IOC: 203.0.113.7`,
    );
  });

  it("closes the WebSocket with a clean handshake on stop", async () => {
    await platform.stop();
    expect(captured.entries.filter((entry) => (entry.level as number) >= 40)).toEqual([]);
  });
});
