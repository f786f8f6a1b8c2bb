// The bot joins rooms it is invited to by allowed people (default: its own homeserver's users)
// and ignores strangers; what was said in a room before it joined is not taken for commands.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAllowedInviter } from "../../../src/chat/matrix/mentions.ts";
import { message, text } from "../../../src/chat/message.ts";
import { until } from "../../support/waiting.ts";
import { type MatrixDesk, startMatrixDesk, teamRoom } from "./harness.ts";

let desk: MatrixDesk;
let alice = "";
let mallory = "";

beforeAll(async () => {
  desk = await startMatrixDesk();
  alice = desk.person("alice", "Alice");
  mallory = desk.hs.addUser("@mallory:evil.example", "Mallory").userId;
});
afterAll(async () => {
  await desk?.close();
});

const botJoined = (roomId: string) =>
  desk.hs.waitFor(
    () => (desk.hs.membership(roomId, desk.bot.userId) === "join" ? true : undefined),
    5000,
    "bot joined",
  );

describe("invites", () => {
  it("joins a room on a colleague's invite, and takes commands typed after it joined only", async () => {
    const { hs, bot } = desk;
    const ops = hs.createRoom(alice, { name: "ops" });
    const before = hs.sendMessage(alice, ops, "!inc declare Said before the bot was here");
    hs.invite(alice, ops, bot.userId);
    await botJoined(ops);
    const said = await desk.say(alice, ops, "!inc declare Said after the bot joined");
    expect(said.text).toMatch(/\[ops\] 🚨 INC-2026-\d{4} declared: Said after the bot joined/);
    // No sleep needed: a room's events are handled in order, so the earlier message has had its
    // turn by the time the later command is answered.
    const declaredHere = await desk.db.prisma.incident.findMany({
      where: { title: { startsWith: "Said " } },
    });
    expect(declaredHere.map((i) => i.title)).toEqual(["Said after the bot joined"]);
    expect(JSON.stringify(hs.eventsSince(0, bot.userId))).not.toContain(before);
    expect(desk.logs.some((l) => l.msg === "joined a room on invitation" && l.inviter === alice)).toBe(true);
  });

  it("ignores an invite from a user of another server", async () => {
    const { hs, bot } = desk;
    const lure = hs.createRoom(mallory, { name: "free crypto" });
    hs.invite(mallory, lure, bot.userId);
    await until(
      () =>
        desk.logs.find(
          (l) =>
            l.msg === "invite ignored: the inviter is not allowed to invite the bot" && l.roomId === lure,
        ),
      "the ignored invite",
    );
    expect(hs.membership(lure, bot.userId)).toBe("invite");
  });

  it("leaves a room whose forged invite state names a colleague who is not in it", async () => {
    const { hs, bot } = desk;
    const lure = hs.createRoom(mallory, { name: "urgent from alice" });
    // Stripped state is not signed: the relaying server claims alice sent the invite.
    hs.forgeInviteState(lure, (events) =>
      events.map((e) =>
        e.type === "m.room.member" && e.state_key === bot.userId ? { ...e, sender: alice } : e,
      ),
    );
    hs.invite(mallory, lure, bot.userId);
    await hs.waitFor(
      () => (hs.membership(lure, bot.userId) === "leave" ? true : undefined),
      5000,
      "bot left the lure",
    );
    expect(
      desk.logs.some(
        (l) => l.msg === "left a room: the inviter the invite named is not in it" && l.roomId === lure,
      ),
    ).toBe(true);
  });

  it("ignores an invite whose state carries two member events for the bot", async () => {
    const { hs, bot } = desk;
    const lure = hs.createRoom(mallory, { name: "two invites" });
    hs.forgeInviteState(lure, (events) => [
      { type: "m.room.member", state_key: bot.userId, sender: alice, content: { membership: "invite" } },
      ...events,
    ]);
    hs.invite(mallory, lure, bot.userId);
    await until(
      () =>
        desk.logs.find(
          (l) =>
            l.msg === "invite ignored: the inviter is not allowed to invite the bot" && l.roomId === lure,
        ),
      "the ignored invite",
    );
    expect(hs.membership(lure, bot.userId)).toBe("invite");
  });

  it("a DM opened by a colleague is joined, known as direct, and used for direct messages", async () => {
    const { hs, bot } = desk;
    const dm = hs.createRoom(alice, { preset: "trusted_private_chat", invite: [bot.userId], isDirect: true });
    await botJoined(dm);
    const ops = teamRoom(hs, alice, [], { name: "desk", botId: bot.userId });
    const declared = await desk.say(alice, ops, "!inc declare Shown in a direct chat");
    const id = /INC-2026-\d{4}/.exec(declared.text)?.[0];
    expect(id, declared.text).toBeDefined();
    // A TLP-labelled answer in a direct chat stays there (nobody else can read it).
    const said = await desk.say(alice, dm, `!inc show ${id}`);
    expect(said.events.filter((e) => e.type === "m.room.message").every((e) => e.room_id === dm)).toBe(true);
    expect(said.text).toContain(`== ${id}: Shown in a direct chat ==`);
    await desk.platform.directMessage(alice, message(text(`Page: ${id} needs you`)));
    expect(hs.messages(dm, bot.userId).at(-1)?.content.body).toBe(`Page: ${id} needs you`);
    const stored = await desk.db.prisma.platformState.findUnique({
      where: { platform_key: { platform: "matrix", key: `dm:${alice}` } },
    });
    expect(stored?.value).toBe(dm);
  });
});

describe("encrypted rooms", () => {
  it("says once that it cannot read an encrypted room, instead of staying silent", async () => {
    const { hs, bot } = desk;
    const secret = hs.createRoom(alice, {
      name: "secret",
      invite: [bot.userId],
      initialState: [{ type: "m.room.encryption", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
    });
    await botJoined(secret);
    for (let i = 0; i < 2; i++) {
      hs.sendEvent(alice, secret, "m.room.encrypted", {
        algorithm: "m.megolm.v1.aes-sha2",
        ciphertext: `c${i}`,
      });
    }
    const notice = await hs.waitForEvent(
      (e) => e.room_id === secret && e.sender === bot.userId && e.type === "m.room.message",
    );
    expect(notice.content).toMatchObject({ msgtype: "m.notice" });
    expect(String(notice.content.body)).toContain(
      "This room is end-to-end encrypted, and tocsin cannot read",
    );
    // A barrier: a command typed after both encrypted events is answered only after the sync
    // batches carrying them were taken in (the once-only check runs as a batch arrives).
    const ops = teamRoom(hs, alice, [], { name: "after the encrypted ones", botId: bot.userId });
    await desk.say(alice, ops, "!inc list");
    expect(hs.messages(secret, bot.userId)).toHaveLength(1);
  });
});

describe("who may invite", () => {
  it("matches user ids, whole servers and anyone", () => {
    expect(isAllowedInviter("@alice:example.org", ["*:example.org"])).toBe(true);
    expect(isAllowedInviter("@alice:Example.org", ["@*:example.org"])).toBe(true);
    expect(isAllowedInviter("@mallory:evil.example", ["*:example.org"])).toBe(false);
    expect(isAllowedInviter("@carol:partner.org", ["*:example.org", "@carol:partner.org"])).toBe(true);
    expect(isAllowedInviter("@dave:partner.org", ["@carol:partner.org"])).toBe(false);
    expect(isAllowedInviter("@anyone:any.where", ["*"])).toBe(true);
    expect(isAllowedInviter("@x:example.org:8448", ["*:example.org"])).toBe(false);
  });
});
