// Users of other homeservers in a room with the bot get no role unless the access configuration
// names them: without ACCESS_CONFIG (the default) they may do nothing, not even look.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MatrixDesk, startMatrixDesk, teamRoom } from "./harness.ts";

let desk: MatrixDesk;
let alice = "";
let mallory = "";
let room = "";

beforeAll(async () => {
  desk = await startMatrixDesk();
  alice = desk.person("alice", "Alice");
  mallory = desk.hs.addUser("@mallory:evil.example", "Mallory").userId;
  room = teamRoom(desk.hs, alice, [mallory], { name: "shared", botId: desk.bot.userId });
});
afterAll(async () => {
  await desk?.close();
});

describe("strangers from other homeservers", () => {
  it("may not close, declare or even list, while the bot's own homeserver's users may", async () => {
    expect((await desk.say(alice, room, "!inc declare Phishing wave")).text).toContain(
      "INC-2026-0001 declared",
    );
    const closing = await desk.say(mallory, room, "!inc close INC-2026-0001 nothing to see");
    expect(closing.text).toContain(
      "`!inc close` needs the commander role (or be the incident's commander or deputy); you have no role: people from outside the organisation (another homeserver) get one only from the access configuration.",
    );
    expect((await desk.say(mallory, room, "!inc declare Fake alarm")).text).toContain(
      "`!inc declare` needs the responder role; you have no role",
    );
    expect((await desk.say(mallory, room, "!inc list")).text).toContain("`!inc list` needs the viewer role");
    const incidents = await desk.db.prisma.incident.findMany();
    expect(incidents.map((i) => [i.publicId, i.status])).toEqual([["INC-2026-0001", "triage"]]);
  });
});
