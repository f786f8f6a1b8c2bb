// ATTACK: `/oncall ack` and `/oncall resolve` have `incident: "none"` and answer
// "✅ You acknowledged page #N: <page message>" without declaring `about`, so the router's
// #subjectOf calls it the bot's own words (`interface`). A page made by declaring a TLP:RED
// incident has the message "<id> declared, SEV1"; on Matrix an "ephemeral" answer is posted in
// the room, so `!ack` typed in a team room shows the RED incident's id to everyone there.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseOncallConfig } from "../../src/oncall/config.ts";
import { type MatrixDesk, startMatrixDesk, teamRoom } from "../platform/matrix/harness.ts";
import { until } from "../support/waiting.ts";

const CONFIG = `people:
  - id: alice
    name: Alice
    timeZone: Europe/Paris
    identities: { matrix: "@alice:example.org" }
  - id: bob
    name: Bob
    timeZone: Europe/Paris
    identities: { matrix: "@bob:example.org" }
teams:
  - id: csirt
    name: CSIRT
    members: [alice, bob]
    escalationPolicy: standard
    paging: { severities: [1] }
    rotations:
      - id: primary
        type: weekly
        participants: [bob]
        start: "2026-03-09"
        handoff: "09:00"
        timeZone: Europe/Paris
escalationPolicies:
  - id: standard
    levels:
      - target: { oncall: csirt }
        after: 5m
`;

const alice = "@alice:example.org";
const bob = "@bob:example.org";
const carol = "@carol:example.org";
let desk: MatrixDesk;
let general = "";

beforeAll(async () => {
  desk = await startMatrixDesk({
    oncall: { config: parseOncallConfig(CONFIG, "oncall.yaml") },
    before(hs, bot) {
      hs.addUser("alice", "Alice");
      hs.addUser("bob", "Bob");
      hs.addUser("carol", "Carol");
      general = teamRoom(hs, bob, [carol], { name: "general", botId: bot.userId });
    },
  });
});
afterAll(async () => {
  await desk?.close();
});

describe("acknowledging a page of a TLP:RED incident in a team room", () => {
  it("the answer in the room does not name the RED incident", async () => {
    const dm = desk.hs.createRoom(alice, { preset: "trusted_private_chat", isDirect: true });
    desk.hs.invite(alice, dm, desk.bot.userId);
    await until(() => (desk.hs.membership(dm, desk.bot.userId) === "join" ? true : undefined), "bot joined");
    await desk.say(alice, dm, "!inc declare Leaked board minutes sev:1 tlp:red");
    await until(async () => ((await desk.db.prisma.page.count()) === 1 ? true : undefined), "the page");
    // carol does not take part: for her INC-2026-0001 does not exist.
    const carolShow = await desk.say(carol, general, "!inc show INC-2026-0001");
    expect(carolShow.text).toContain("There is no incident INC-2026-0001");
    const said = await desk.say(bob, general, "!ack");
    expect(said.text).toMatch(/acknowledged/);
    const inGeneral = said.events.filter((e) => e.room_id === general && e.type === "m.room.message");
    expect(desk.transcript(inGeneral)).not.toContain("INC-2026-0001");
  });
});
