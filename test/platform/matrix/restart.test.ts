// The sync token lives in the database: a restarted bot resumes where it stopped. Commands typed
// while it was down are handled once, older ones never again; history from before the very
// first start is not taken for commands.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type MatrixDesk, startMatrixDesk, teamRoom } from "./harness.ts";

let desk: MatrixDesk;
let soc = "";
let alice = "";
let oldCommand = "";

// A fresh desk (database, homeserver) for every test, so each can run alone.
beforeEach(async () => {
  desk = await startMatrixDesk({
    before(hs, bot) {
      alice = hs.addUser("alice", "Alice").userId;
      soc = teamRoom(hs, alice, [], { name: "soc", botId: bot.userId });
      // Typed before tocsin ever ran: history, not a command for it.
      oldCommand = hs.sendMessage(alice, soc, "!inc declare From before the first start");
    },
  });
});
afterEach(async () => {
  await desk?.close();
});

/** What the bot answered in `roomId` as a reply to `eventId`. */
const answersTo = (roomId: string, eventId: string) =>
  desk.hs
    .messages(roomId, desk.bot.userId)
    .filter(
      (m) =>
        (m.content["m.relates_to"] as { "m.in_reply_to"?: { event_id?: string } })?.["m.in_reply_to"]
          ?.event_id === eventId,
    );

const storedToken = async () =>
  (
    await desk.db.prisma.platformState.findUnique({
      where: { platform_key: { platform: "matrix", key: "sync_token" } },
    })
  )?.value;

const reactionsTo = (eventId: string) =>
  desk.hs
    .eventsSince(0, desk.bot.userId)
    .filter(
      (e) =>
        e.type === "m.reaction" && (e.content["m.relates_to"] as { event_id?: string }).event_id === eventId,
    );

describe("restarts resume from the stored sync token", () => {
  it("at the first start, history is not taken for commands, and the token is stored", async () => {
    await desk.say(alice, soc, "!inc declare First");
    expect(await desk.db.prisma.incident.findMany({ select: { title: true } })).toEqual([{ title: "First" }]);
    expect(reactionsTo(oldCommand)).toHaveLength(0);
    expect(await storedToken()).toMatch(/^s\d+$/);
  });

  it("after a restart, commands typed while the bot was down are handled once, older ones not again", async () => {
    const { hs } = desk;
    const first = await desk.say(alice, soc, "!inc declare First");
    await desk.stop();
    const tokenAtStop = await storedToken();
    const typedWhileDown = [
      hs.sendMessage(alice, soc, "!inc declare While down"),
      hs.sendMessage(alice, soc, "!inc list"),
    ];
    const syncsBefore = hs.requests.filter((r) => r.endpoint === "sync").length;
    await desk.start();
    for (const eventId of typedWhileDown) await desk.handled(eventId);

    // The new client's first /sync started from the stored token.
    const firstSync = hs.requests.filter((r) => r.endpoint === "sync")[syncsBefore];
    expect(firstSync?.query.since).toBe(tokenAtStop);

    // A barrier: the room's events are handled in order, so once a later command is answered
    // every earlier one (and the history before the first start) has had its turn.
    await desk.say(alice, soc, "!inc list");
    const titles = (await desk.db.prisma.incident.findMany({ orderBy: { publicId: "asc" } })).map(
      (i) => i.title,
    );
    expect(titles).toEqual(["First", "While down"]);
    for (const eventId of typedWhileDown) expect(reactionsTo(eventId)).toHaveLength(1);
    expect(reactionsTo(first.eventId)).toHaveLength(1);
    expect(reactionsTo(oldCommand)).toHaveLength(0);
    const answersToList = answersTo(soc, typedWhileDown[1]!);
    expect(answersToList).toHaveLength(1);
    expect(String(answersToList[0]?.content.body)).toContain("INC-2026-0002");
  });

  it("more commands than one sync carries while down are all fetched (gap filled with /messages)", async () => {
    const { hs } = desk;
    await desk.say(alice, soc, "!inc declare First");
    const room = hs.roomIdForAlias("#inc-2026-0001:example.org")!;
    hs.join(alice, room);
    await desk.say(alice, room, "!inc note before the restart");
    await desk.stop();
    const notes = Array.from({ length: 7 }, (_, i) =>
      hs.sendMessage(alice, room, `!inc note while down ${i + 1}`),
    );
    await desk.start({ syncTimelineLimit: 3 });
    for (const eventId of notes) await desk.handled(eventId);
    const entries = await desk.db.prisma.timelineEntry.findMany({
      where: { kind: "note" },
      orderBy: [{ at: "asc" }, { seq: "asc" }],
    });
    expect(entries.map((e) => e.text)).toEqual([
      "before the restart",
      ...notes.map((_, i) => `while down ${i + 1}`),
    ]);
    expect(hs.callCount("messages", 200)).toBeGreaterThan(0);
  });

  it("a restart after a crash before the token was stored re-reads the batch without doing anything twice", async () => {
    const { hs } = desk;
    const declare = await desk.say(alice, soc, "!inc declare Exactly once");
    // Simulate a crash before the token of that batch was stored: back to just before it.
    await desk.stop();
    const position = hs.streamOf(declare.eventId)!;
    await desk.db.prisma.platformState.update({
      where: { platform_key: { platform: "matrix", key: "sync_token" } },
      data: { value: `s${position - 1}` },
    });
    const repliesBefore = hs.messages(soc, desk.bot.userId).length;
    await desk.start();
    // A barrier: a later command in the same room is handled after the re-read one.
    const marker = await desk.say(alice, soc, "!inc list");
    expect(await desk.db.prisma.incident.count({ where: { title: "Exactly once" } })).toBe(1);
    // The command was seen again (its reaction re-sent with the same transaction id, which the
    // homeserver keeps once) and the domain knew its event id: no second answer.
    expect(reactionsTo(declare.eventId)).toHaveLength(1);
    expect(hs.messages(soc, desk.bot.userId)).toHaveLength(
      repliesBefore + answersTo(soc, marker.eventId).length,
    );
    // Recognised as handled: by the intake's claim on the event (answered before the crash), or
    // by the domain's claim of its dedupe key.
    const recognised = ["event claimed by another replica or already answered", "duplicate event ignored"];
    expect(desk.logs.some((l) => recognised.includes(String(l.msg)) && l.dedupeKey === declare.eventId)).toBe(
      true,
    );
  });
});
