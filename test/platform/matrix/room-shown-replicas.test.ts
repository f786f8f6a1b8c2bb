// What a Matrix incident room shows, with another replica on the same desk: the room's record on
// its row is what replicas share, and a topic the outbox decided to set (the record says the room
// shows something else) must reach the room even when this process set that same topic earlier.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAccessConfig } from "../../../src/access/access-config.ts";
import { fingerprintOf } from "../../../src/outbox/fingerprint.ts";
import { incidentRoomIdOf } from "../../support/confidentiality.ts";
import { type MatrixDesk, startMatrixDesk, teamRoom } from "./harness.ts";

const alice = "@alice:example.org";
const mallory = "@mallory:evil.example";
const ACCESS = `
default: viewer
grants:
  - role: commander
    to: [matrix:${alice}]
`;

let desk: MatrixDesk;
let general = "";

beforeAll(async () => {
  desk = await startMatrixDesk({
    access: parseAccessConfig(ACCESS, "access.yaml"),
    before(hs, bot) {
      hs.addUser("alice", "alice");
      hs.addUser(mallory, "Mallory");
      general = teamRoom(hs, alice, [], { name: "general", botId: bot.userId });
    },
  });
});

afterAll(async () => {
  await desk?.close();
});

describe("a Matrix incident room shared with another homeserver", () => {
  it("gets the withheld topic of a raise to RED after another replica set the GREEN one", async () => {
    const title = "Vendor VPN token leaked";
    await desk.say(alice, general, `!inc declare "${title}" tlp:green`);
    const publicId = (await desk.db.prisma.incident.findFirstOrThrow({ where: { title } })).publicId;
    const room = await incidentRoomIdOf(desk.db.prisma, publicId, "matrix");
    desk.hs.join(alice, room);
    desk.hs.invite(alice, room, mallory);
    desk.hs.join(mallory, room);
    await desk.say(alice, room, "!inc tlp red");
    const withheld = String(desk.hs.state(room, "m.room.topic")?.topic);
    expect(withheld).not.toContain(title);
    // Another replica lowers it to GREEN and sets the GREEN topic, recording what it set.
    await desk.db.prisma.incident.update({ where: { publicId }, data: { tlp: "green", restricted: false } });
    const green = `${publicId} · TLP:GREEN · ${title}`;
    desk.hs.sendState(desk.hs.state(room, "m.room.create")?.creator as string, room, "m.room.topic", {
      topic: green,
    });
    await desk.db.prisma.incidentRoom.updateMany({
      where: { roomId: room },
      data: { topicShown: fingerprintOf(green), shownVersion: { increment: 1 } },
    });
    // Raised to RED again here: the room must get the withheld topic back.
    await desk.say(alice, room, "!inc tlp red");
    expect(String(desk.hs.state(room, "m.room.topic")?.topic)).not.toContain(title);
    expect(desk.hs.state(room, "m.room.topic")?.topic).toBe(withheld);
  });
});
