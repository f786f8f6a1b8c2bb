// Matrix event content is written by anyone in a room and may nest as deep as the homeserver
// lets it: the bot applies the same depth limit as to every other body from outside. A command
// whose content nests too deep is ignored with a coded log line (nothing runs, nobody is
// answered), and the room's next command is handled as usual.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../../src/chat/json-nesting.ts";
import { type MatrixDesk, startMatrixDesk, teamRoom } from "../platform/matrix/harness.ts";

let desk: MatrixDesk;
let alice = "";
let room = "";

beforeAll(async () => {
  desk = await startMatrixDesk();
  alice = desk.person("alice", "Alice");
  room = teamRoom(desk.hs, alice, [], { name: "soc", botId: desk.bot.userId });
});
afterAll(async () => {
  await desk?.close();
});

describe("a Matrix command whose content nests too deep", () => {
  it("is ignored with a coded log line, and the next command in the room is answered", async () => {
    let nested: unknown = [];
    for (let level = 0; level < MAX_JSON_DEPTH; level++) nested = [nested];
    const before = desk.hs.position;
    const deep = desk.hs.sendMessage(alice, room, "!inc declare Deep content", { extra: { nested } });
    // Commands of one room run in order: once this one is answered, the deep one had its turn.
    const barrier = await desk.say(alice, room, "!inc list");
    expect(barrier.text).not.toContain("Deep content");
    const answeredDeep = desk.hs
      .eventsSince(before, desk.bot.userId)
      .filter((event) => JSON.stringify(event.content).includes(deep));
    expect(answeredDeep).toEqual([]);
    expect(await desk.db.prisma.incident.count()).toBe(0);
    expect(desk.logs.some((entry) => entry.code === "matrix.event_too_deep")).toBe(true);
  });
});
