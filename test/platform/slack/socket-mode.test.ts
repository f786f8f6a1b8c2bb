// Socket Mode (SLACK_APP_TOKEN): the same listeners behind Bolt's SocketModeReceiver, with the
// double's apps.connections.open and WebSocket standing in for Slack.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventCallback, newEventId, slashCommandFields } from "../../doubles/slack-web-api.ts";
import { until } from "../../support/waiting.ts";
import { alice, bob, type SocketModeHarness, startSocketModeHarness } from "./harness.ts";

describe("Slack over Socket Mode", () => {
  let h: SocketModeHarness;

  beforeAll(async () => {
    h = await startSocketModeHarness();
  });

  afterAll(async () => {
    await h?.close();
  });

  it("connects with the app-level token and listens on no HTTP port", () => {
    expect(h.slack.callsTo("apps.connections.open")).toHaveLength(1);
    expect(h.platform.port).toBeUndefined();
  });

  it("acks a slash command envelope at once and invokes it", async () => {
    const channel = h.slack.addChannel({ name: "soc", members: [alice.id] });
    const fields = slashCommandFields(h.slack, {
      command: "/inc",
      text: "list",
      user: alice,
      channel: { id: channel.id, name: channel.name },
    });
    const delivered = await h.slack.deliverOverSocket("slash_commands", fields);
    expect(delivered.ack.envelope_id).toBe(delivered.envelopeId);
    expect(delivered.elapsedMs).toBeLessThan(3000);
    await expect
      .poll(() => h.invocations.find((i) => i.dedupeKey === `command:${fields.trigger_id}`))
      .toMatchObject({
        platform: "slack",
        text: "/inc list",
        actor: { externalId: alice.id },
        room: { roomId: channel.id, name: "soc" },
      });
  });

  it("takes an event redelivered with retry_attempt once", async () => {
    const room = h.slack.addChannel({
      name: "inc-2026-0001-x",
      isPrivate: true,
      members: [alice.id, bob.id],
    });
    const noted = h.slack.addMessage(room.id, { user: alice.id, text: "IOC: 203.0.113.7" });
    const eventId = newEventId();
    const pushpin = {
      type: "reaction_added",
      user: bob.id,
      reaction: "pushpin",
      item_user: alice.id,
      item: { type: "message", channel: room.id, ts: noted.ts },
      event_ts: `${Date.now() / 1000}`,
    };
    const envelope = eventCallback(h.slack, pushpin, eventId);
    await h.slack.deliverOverSocket("events_api", envelope);
    await h.slack.deliverOverSocket("events_api", envelope, { retryAttempt: 1 });
    await until(() => h.invocations.some((i) => i.dedupeKey === `event:${eventId}`), "the 📌 note");
    // A barrier: another 📌 delivered after the redelivery; once it has run, the redelivery had
    // its turn and ran nothing.
    const barrierId = newEventId();
    await h.slack.deliverOverSocket(
      "events_api",
      eventCallback(h.slack, { ...pushpin, event_ts: `${Date.now() / 1000}` }, barrierId),
    );
    await until(
      () => h.invocations.some((i) => i.dedupeKey === `event:${barrierId}`),
      "the barrier's 📌 note",
    );
    expect(h.invocations.filter((i) => i.dedupeKey === `event:${eventId}`)).toHaveLength(1);
    expect(h.invocations.find((i) => i.dedupeKey === `event:${eventId}`)?.text).toBe(
      `/inc note 📌 from <@${alice.id}>: IOC: 203.0.113.7`,
    );
  });

  it("closes the WebSocket with a clean handshake on stop", async () => {
    await h.platform.stop();
    expect(h.logs.filter((entry) => (entry.level as number) >= 40)).toEqual([]);
  });
});
