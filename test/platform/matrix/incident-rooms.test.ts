// Commands typed in Matrix rooms, through the real matrix-js-sdk and the real desk: incident rooms
// (alias, invite-only, topic, pinned summary), threaded answers, edits of the pinned summary,
// pills as mentions, TLP-labelled answers kept out of shared rooms, no bot loops.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { message, text } from "../../../src/chat/message.ts";
import type { RoomEvent } from "../../doubles/matrix-homeserver.ts";
import { type MatrixDesk, startMatrixDesk, teamRoom } from "./harness.ts";

let desk: MatrixDesk;
let soc = "";
let alice = "";
let bob = "";
let incidentRoom = "";
let summaryId = "";

// A fresh desk for every test, so each can run alone; declarePhishingWave() rebuilds the incident.
beforeEach(async () => {
  desk = await startMatrixDesk({
    // The team's own room, cleared for the organisation's AMBER (ordinary rooms are GREEN by default).
    roomClearance: "amber",
    before(hs, bot) {
      alice = hs.addUser("alice", "Alice").userId;
      bob = hs.addUser("bob", "Bob").userId;
      soc = teamRoom(hs, alice, [bob], { name: "soc", botId: bot.userId });
    },
  });
});
afterEach(async () => {
  await desk?.close();
});

/** Alice declares INC-2026-0001 "Phishing wave" from soc and joins its room. */
async function declarePhishingWave(): Promise<void> {
  expect((await desk.say(alice, soc, "!inc declare Phishing wave sev:2")).text).toContain(
    "INC-2026-0001 declared",
  );
  incidentRoom = desk.hs.roomIdForAlias("#inc-2026-0001:example.org") ?? "";
  summaryId =
    (desk.hs.state(incidentRoom, "m.room.pinned_events")?.pinned as string[] | undefined)?.[0] ?? "";
  desk.hs.join(alice, incidentRoom);
}

const relation = (event: RoomEvent) =>
  event.content["m.relates_to"] as
    | { rel_type?: string; event_id?: string; key?: string; "m.in_reply_to"?: { event_id?: string } }
    | undefined;

describe("incident rooms on Matrix", () => {
  it("!inc declare opens a private room #inc-2026-0001, invites the declarer, sets the topic, pins the summary and answers in a thread", async () => {
    const said = await desk.say(alice, soc, "!inc declare Phishing wave sev:2");
    const { hs } = desk;
    incidentRoom = hs.roomIdForAlias("#inc-2026-0001:example.org") ?? "";
    expect(incidentRoom).not.toBe("");

    const create = hs.requests.find((r) => r.endpoint === "createRoom" && r.status === 200);
    expect(create?.body).toMatchObject({
      preset: "private_chat",
      visibility: "private",
      room_alias_name: "inc-2026-0001",
      name: "INC-2026-0001 Phishing wave",
    });
    expect(hs.state(incidentRoom, "m.room.join_rules")?.join_rule).toBe("invite");
    expect(hs.state(incidentRoom, "m.room.encryption")).toBeUndefined();
    expect(hs.state(incidentRoom, "m.room.name")?.name).toBe("INC-2026-0001 Phishing wave");
    expect(hs.membership(incidentRoom, alice)).toBe("invite");
    expect(hs.state(incidentRoom, "m.room.topic")?.topic).toBe(
      "INC-2026-0001 · SEV2 (high) · triage · TLP:AMBER · IC: none · Phishing wave",
    );

    const pinned = hs.state(incidentRoom, "m.room.pinned_events")?.pinned as string[];
    expect(pinned).toHaveLength(1);
    summaryId = pinned[0] ?? "";
    const summary = hs.event(summaryId);
    expect(summary?.content).toMatchObject({ msgtype: "m.notice", format: "org.matrix.custom.html" });
    expect(String(summary?.content.body)).toContain("== INC-2026-0001: Phishing wave ==");
    expect(String(summary?.content.formatted_body)).toMatch(
      /^<p><strong><span [^>]+>TLP:AMBER<\/span><\/strong><\/p>/,
    );
    expect(String(summary?.content.formatted_body)).toContain("<h4>INC-2026-0001: Phishing wave</h4>");
    expect(String(summary?.content.formatted_body)).toContain(
      "<code>!inc status INC-2026-0001 investigating</code>",
    );

    const answer = said.events.find((e) => e.room_id === soc && e.type === "m.room.message");
    expect(answer?.content.msgtype).toBe("m.notice");
    expect(relation(answer!)?.["m.in_reply_to"]?.event_id).toBe(said.eventId);
    expect(said.text).toContain("[soc] 🚨 INC-2026-0001 declared: Phishing wave");
    expect(said.text).toContain("[soc] Room: #inc-2026-0001:example.org");
    const ack = said.events.find((e) => e.type === "m.reaction");
    expect(relation(ack!)).toEqual({ rel_type: "m.annotation", event_id: said.eventId, key: "✅" });

    const incident = await desk.db.prisma.incident.findUniqueOrThrow({
      where: { publicId: "INC-2026-0001" },
      include: { rooms: true, reporter: true },
    });
    expect(incident.severity).toBe(2);
    expect(incident.reporter.displayName).toBe("Alice");
    expect(incident.rooms).toEqual([
      expect.objectContaining({
        platform: "matrix",
        roomId: incidentRoom,
        name: "#inc-2026-0001:example.org",
      }),
    ]);
  });

  it("!inc status typed in the incident room is announced there and edits the pinned summary", async () => {
    await declarePhishingWave();
    const said = await desk.say(alice, incidentRoom, "!inc status investigating");
    expect(said.text).toContain(`[#inc-2026-0001:example.org] INC-2026-0001: status triage → investigating`);
    const edit = said.events.find((e) => relation(e)?.rel_type === "m.replace");
    expect(relation(edit!)?.event_id).toBe(summaryId);
    const fresh = edit?.content["m.new_content"] as Record<string, string>;
    expect(fresh.msgtype).toBe("m.notice");
    expect(fresh.body).toMatch(/Status:\s+investigating/);
    expect(String(edit?.content.body)).toMatch(/^\* TLP:AMBER/);
    expect(desk.hs.state(incidentRoom, "m.room.topic")?.topic).toContain("investigating");
    // Still one pinned event: the summary is edited, not posted again.
    expect(desk.hs.state(incidentRoom, "m.room.pinned_events")?.pinned).toEqual([summaryId]);
  });

  it("a pill in the formatted body is a mention: !inc lead <pill> makes that person commander", async () => {
    await declarePhishingWave();
    const said = await desk.say(alice, incidentRoom, "!inc lead Bob", {
      formattedBody: '!inc lead <a href="https://matrix.to/#/@bob:example.org">Bob</a>',
    });
    expect(said.text).toContain("INC-2026-0001: Bob is now commander");
    expect(desk.hs.membership(incidentRoom, bob)).toBe("invite");
    const role = await desk.db.prisma.roleAssignment.findFirstOrThrow({
      where: { role: "commander" },
      include: { person: { include: { identities: true } } },
    });
    expect(role.person.displayName).toBe("Bob");
    expect(role.person.identities).toEqual([
      expect.objectContaining({ platform: "matrix", externalId: bob }),
    ]);
  });

  it("a typed user id is a mention too, and an unknown one is refused", async () => {
    await declarePhishingWave();
    desk.person("carol", "Carol");
    expect((await desk.say(alice, incidentRoom, "!inc role scribe @carol:example.org")).text).toContain(
      "Carol is now scribe",
    );
    expect((await desk.say(alice, incidentRoom, "!inc role deputy @ghost:example.org")).text).toContain(
      "I don't know @ghost:example.org on matrix.",
    );
  });

  it("ignores its own messages and other bots' notices: no loops", async () => {
    const { hs, bot } = desk;
    const otherBot = hs.addUser("otherbot", "Other bot").userId;
    hs.invite(alice, soc, otherBot);
    hs.join(otherBot, soc);
    const before = hs.position;
    // Another bot echoing a command as a notice, and the bot's own account typing one (another
    // device of the same account): neither is taken.
    const notice = hs.sendMessage(otherBot, soc, "!inc list", { msgtype: "m.notice" });
    const own = hs.sendMessage(bot.userId, soc, "!inc list");
    // Alice's command is the barrier: the room's events are handled in order, so by its answer
    // the notice and the bot's own message have had their turn.
    const said = await desk.say(alice, soc, "!inc list");
    const botEvents = hs.eventsSince(before, bot.userId).filter((e) => e.event_id !== own);
    // One answer and one reaction, both to alice's command.
    expect(botEvents.map((e) => e.type)).toEqual(["m.room.message", "m.reaction"]);
    expect(botEvents.every((e) => JSON.stringify(e.content).includes(said.eventId))).toBe(true);
    expect(JSON.stringify(botEvents)).not.toContain(notice);
  });

  it("an alias already in use (M_ROOM_IN_USE) gets -2", async () => {
    await declarePhishingWave();
    const carol = desk.person("carol", "Carol");
    desk.hs.createRoom(carol, { name: "squatter", aliasLocalpart: "inc-2026-0002" });
    const said = await desk.say(alice, soc, "!inc declare Second one");
    expect(said.text).toContain("Room: #inc-2026-0002-2:example.org");
    const second = desk.hs.roomIdForAlias("#inc-2026-0002-2:example.org");
    expect(second && desk.hs.membership(second, alice)).toBe("invite");
    const attempts = desk.hs.requests.filter((r) => r.endpoint === "createRoom").slice(-2);
    expect(attempts.map((r) => r.status)).toEqual([400, 200]);
  });

  it("answers the room may not see go to the caller by DM (soc is cleared for AMBER, not AMBER+STRICT)", async () => {
    const declared = await desk.say(alice, soc, "!inc declare Insider trading tip tlp:amber+strict");
    const id = /INC-2026-\d{4}/.exec(declared.text)?.[0] ?? "";
    expect(declared.text).not.toContain("[soc] 🚨");
    const said = await desk.say(alice, soc, `!inc show ${id}`);
    expect(said.text).toContain("[soc] 📬 This answer carries TLP-labelled incident content");
    expect(said.text).not.toContain(`[soc] == ${id}`);
    expect(said.text).toContain(`[DM → ${alice}] == ${id}: Insider trading tip ==`);
    const dm = await desk.db.prisma.platformState.findUniqueOrThrow({
      where: { platform_key: { platform: "matrix", key: `dm:${alice}` } },
    });
    expect(desk.hs.state(dm.value, "m.room.member", alice)).toMatchObject({
      membership: "invite",
      is_direct: true,
    });
    expect((desk.hs.accountData(desk.bot.userId, "m.direct") as Record<string, string[]>)[alice]).toEqual([
      dm.value,
    ]);
  });

  it("the same answer in the incident room (a room the desk controls) stays there", async () => {
    await declarePhishingWave();
    const said = await desk.say(alice, incidentRoom, "!inc show");
    expect(said.text).toContain("[#inc-2026-0001:example.org] == INC-2026-0001: Phishing wave ==");
    expect(said.text).not.toContain("DM →");
  });

  it("bad input gets a friendly answer threaded to the command", async () => {
    const said = await desk.say(alice, soc, "!inc stauts contained");
    expect(said.text).toContain('[soc] ⚠️ !inc has no command "stauts". Did you mean `!inc status`?');
    const answer = said.events.find((e) => e.type === "m.room.message");
    expect(relation(answer!)?.["m.in_reply_to"]?.event_id).toBe(said.eventId);
  });

  it("sends direct messages in one DM room per person, opened once", async () => {
    await desk.platform.directMessage(bob, message(text("You are on call tonight.")));
    await desk.platform.directMessage(bob, message(text("Reminder: you are on call tonight.")));
    const dm = await desk.db.prisma.platformState.findUniqueOrThrow({
      where: { platform_key: { platform: "matrix", key: `dm:${bob}` } },
    });
    expect(desk.hs.messages(dm.value, desk.bot.userId).map((m) => m.content.body)).toEqual([
      "You are on call tonight.",
      "Reminder: you are on call tonight.",
    ]);
    expect(desk.hs.roomsOf(bob, "invite").filter((r) => r === dm.value)).toHaveLength(1);
  });

  it("gives moderator power (50) once, leaving other levels alone", async () => {
    await declarePhishingWave();
    await desk.platform.setModerators(incidentRoom, [bob, desk.bot.userId]);
    const levels = desk.hs.state(incidentRoom, "m.room.power_levels") as {
      users: Record<string, number>;
      invite: number;
      events: Record<string, number>;
    };
    expect(levels.users).toEqual({ [desk.bot.userId]: 100, [bob]: 50 });
    // Moderators may invite, plain members ask the desk; only the bot could turn on encryption.
    expect(levels.invite).toBe(50);
    expect(levels.events["m.room.encryption"]).toBe(100);
    const writes = desk.hs.requests.filter(
      (r) => r.endpoint === "state" && r.path.includes("power_levels") && r.method === "PUT",
    );
    await desk.platform.setModerators(incidentRoom, [bob]);
    expect(
      desk.hs.requests.filter(
        (r) => r.endpoint === "state" && r.path.includes("power_levels") && r.method === "PUT",
      ),
    ).toHaveLength(writes.length);
  });

  it("posts the signed post-incident report as an m.file from the media repository", async () => {
    await declarePhishingWave();
    await desk.say(alice, incidentRoom, "!inc report");
    const file = desk.hs.messages(incidentRoom, desk.bot.userId).find((e) => e.content.msgtype === "m.file");
    expect(file).toBeDefined();
    expect(String(file?.content.filename)).toMatch(/INC-2026-0001.*\.md/i);
    const media = desk.hs.media.get(String(file?.content.url));
    expect(media?.uploader).toBe(desk.bot.userId);
    expect(media?.content).toContain("TLP:AMBER");
    expect(media?.content).toContain("Phishing wave");
  });
});
