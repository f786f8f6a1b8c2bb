// Outbound: private incident channels within Slack's naming rules, invites, topic, posting,
// updating and pinning the summary, direct messages, people lookups.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fields, heading, message, text } from "../../../src/chat/message.ts";
import { addPeople, alice, bob, type SlackHarness, startSlackHarness } from "./harness.ts";

describe("Slack incident rooms", () => {
  let h: SlackHarness;

  // A Slack double and platform of their own for every test (no database: cheap), so the calls
  // a test counts are its own and each test runs alone.
  beforeEach(async () => {
    h = await startSlackHarness();
    addPeople(h.slack);
  });

  afterEach(async () => {
    await h.close();
  });

  it("creates a private channel named from id and title, invites people and sets the topic", async () => {
    const room = await h.platform.createIncidentRoom({
      publicId: "INC-2026-0001",
      title: "Phishing wave",
      topic: "INC-2026-0001 · SEV2 · triage · TLP:AMBER · commander <@U0ALICE>",
      invite: [alice.id, bob.id, alice.id, h.slack.botUserId],
    });

    expect(room.name).toBe("inc-2026-0001-phishing-wave");
    const channel = h.slack.channels.get(room.roomId)!;
    expect(channel).toMatchObject({ name: "inc-2026-0001-phishing-wave", isPrivate: true, archived: false });
    expect([...channel.members].sort()).toEqual([alice.id, bob.id, h.slack.botUserId].sort());
    expect(channel.topic).toBe("INC-2026-0001 · SEV2 · triage · TLP:AMBER · commander <@U0ALICE>");
    expect(h.slack.callsTo("conversations.create").at(-1)?.params).toMatchObject({ is_private: "true" });
  });

  it("transliterates a unicode title and drops what has no ASCII form", async () => {
    const room = await h.platform.createIncidentRoom({
      publicId: "INC-2026-0002",
      title: "Fuite de données 🔥 chez Müller & Søn — 漏洞",
      topic: "t",
      invite: [],
    });
    expect(room.name).toBe("inc-2026-0002-fuite-de-donnees-chez-muller-son");
  });

  it("keeps a 200-character title within 80 characters, cut at a word", async () => {
    const title = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ");
    expect(title.length).toBeGreaterThan(200);
    const room = await h.platform.createIncidentRoom({
      publicId: "INC-2026-0003",
      title,
      topic: "t",
      invite: [],
    });
    expect(room.name.length).toBeLessThanOrEqual(80);
    expect(room.name).toMatch(/^inc-2026-0003-word0-word1-.*word\d+$/);
    expect(title.replaceAll(" ", "-").startsWith(room.name.slice("inc-2026-0003-".length))).toBe(true);
  });

  it("falls back to -2 when an archived channel holds the name, then -3", async () => {
    h.slack.addChannel({ name: "inc-2026-0004-ransomware", isPrivate: true, archived: true });
    const second = await h.platform.createIncidentRoom({
      publicId: "INC-2026-0004",
      title: "Ransomware",
      topic: "t",
      invite: [alice.id],
    });
    expect(second.name).toBe("inc-2026-0004-ransomware-2");
    const third = await h.platform.createIncidentRoom({
      publicId: "INC-2026-0004",
      title: "Ransomware",
      topic: "t",
      invite: [],
    });
    expect(third.name).toBe("inc-2026-0004-ransomware-3");
    const attempts = h.slack
      .callsTo("conversations.create")
      .filter((c) => String(c.params.name).startsWith("inc-2026-0004"));
    expect(attempts.map((c) => c.error ?? "ok")).toEqual([
      "name_taken",
      "ok",
      "name_taken",
      "name_taken",
      "ok",
    ]);
  });

  it("keeps the collision suffix within 80 characters", async () => {
    const title = `${"x".repeat(30)} ${"y".repeat(60)}`;
    const first = await h.platform.createIncidentRoom({
      publicId: "INC-2026-0005",
      title,
      topic: "t",
      invite: [],
    });
    const second = await h.platform.createIncidentRoom({
      publicId: "INC-2026-0005",
      title,
      topic: "t",
      invite: [],
    });
    expect(first.name.length).toBeLessThanOrEqual(80);
    expect(second.name.length).toBeLessThanOrEqual(80);
    expect(second.name.endsWith("-2")).toBe(true);
  });

  it("creates 20 rooms at once, concurrently, even when they race for one name", async () => {
    const rooms = await Promise.all([
      ...Array.from({ length: 15 }, (_, i) =>
        h.platform.createIncidentRoom({
          publicId: `INC-2026-01${String(i).padStart(2, "0")}`,
          title: "Mass phishing",
          topic: "t",
          invite: [alice.id],
        }),
      ),
      ...Array.from({ length: 5 }, () =>
        h.platform.createIncidentRoom({
          publicId: "INC-2026-0200",
          title: "Same name",
          topic: "t",
          invite: [],
        }),
      ),
    ]);
    expect(new Set(rooms.map((r) => r.roomId)).size).toBe(20);
    expect(
      rooms
        .slice(15)
        .map((r) => r.name)
        .sort(),
    ).toEqual([
      "inc-2026-0200-same-name",
      "inc-2026-0200-same-name-2",
      "inc-2026-0200-same-name-3",
      "inc-2026-0200-same-name-4",
      "inc-2026-0200-same-name-5",
    ]);
  });

  it("cuts a topic longer than Slack's 250 characters", async () => {
    const room = await h.platform.createIncidentRoom({
      publicId: "INC-2026-0006",
      title: "Long topic",
      topic: "t".repeat(400),
      invite: [],
    });
    const topic = h.slack.channels.get(room.roomId)!.topic;
    expect(topic.length).toBe(250);
    expect(topic.endsWith("…")).toBe(true);
  });

  it("posts, updates and pins the summary; pinning twice is fine", async () => {
    const room = await h.platform.createIncidentRoom({
      publicId: "INC-2026-0007",
      title: "Summary",
      topic: "t",
      invite: [],
    });
    const ts = await h.platform.post(room.roomId, {
      ...message(heading("INC-2026-0007 · Summary"), fields([["Status", "triage"]])),
      tlp: "amber",
    });
    await h.platform.pin(room.roomId, ts);
    await h.platform.pin(room.roomId, ts);
    await h.platform.update(
      room.roomId,
      ts,
      message(heading("INC-2026-0007 · Summary"), fields([["Status", "contained"]])),
    );

    const [summary] = h.slack.messagesIn(room.roomId);
    expect(summary?.ts).toBe(ts);
    expect(JSON.stringify(summary?.blocks)).toContain("contained");
    expect(h.slack.channels.get(room.roomId)!.pins.has(ts)).toBe(true);
    const firstPost = h.slack.callsTo("chat.postMessage").find((c) => c.params.channel === room.roomId)!;
    expect(String(firstPost.params.text)).toContain("TLP:AMBER");
  });

  it("sends a direct message through the person's DM channel", async () => {
    await h.platform.directMessage(alice.id, message(text("You are on call for INC-2026-0001")));
    await h.platform.directMessage(alice.id, message(text("Reminder")));
    const opened = h.slack.callsTo("conversations.open");
    expect(opened).toHaveLength(1);
    const dm = h.slack.channels.get(String(h.slack.callsTo("chat.postMessage").at(-1)?.params.channel))!;
    expect(dm.isIm).toBe(true);
    expect(dm.messages.map((m) => m.text)).toEqual(["You are on call for INC-2026-0001", "Reminder"]);
  });

  it("looks people up once, with their email, and knows nothing of unknown ids", async () => {
    expect(await h.platform.lookupUser(alice.id)).toEqual({
      externalId: alice.id,
      displayName: "alice",
      email: "alice@example.org",
    });
    expect(await h.platform.lookupUser(alice.id)).toMatchObject({ externalId: alice.id });
    expect(h.slack.callsTo("users.info").filter((c) => c.params.user === alice.id)).toHaveLength(1);
    expect(await h.platform.lookupUser(bob.id)).toMatchObject({
      displayName: "Bob Marley",
      email: undefined,
    });
    expect(await h.platform.lookupUser("U0NOBODY")).toBeUndefined();
  });

  it("reads and writes Slack mentions", () => {
    expect(h.platform.parseMention("<@U0ALICE|alice>")).toBe("U0ALICE");
    expect(h.platform.parseMention("<@U0ALICE>")).toBe("U0ALICE");
    expect(h.platform.parseMention("@alice")).toBeUndefined();
  });
});
