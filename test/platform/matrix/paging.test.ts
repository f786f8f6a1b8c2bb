// Pages on Matrix: the paged person gets a direct message and acknowledges it with a ✅
// reaction or with `!ack`, as the issue asks for people woken at 3 a.m.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseOncallConfig } from "../../../src/oncall/config.ts";
import { until } from "../../support/waiting.ts";
import { type MatrixDesk, startMatrixDesk, teamRoom } from "./harness.ts";

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
      - target: { person: alice }
        after: 5m
`;

const alice = "@alice:example.org";
const bob = "@bob:example.org";
let desk: MatrixDesk;
let general = "";

// A fresh desk for every test, so each can run alone (each test's page is page #1).
beforeEach(async () => {
  desk = await startMatrixDesk({
    oncall: { config: parseOncallConfig(CONFIG, "oncall.yaml") },
    before(hs, bot) {
      hs.addUser("alice", "Alice");
      hs.addUser("bob", "Bob");
      general = teamRoom(hs, alice, [bob], { name: "general", botId: bot.userId });
    },
  });
});
afterEach(async () => {
  await desk?.close();
});

/** The DM room the bot opened with `user` and the page message in it. */
async function pageMessageTo(user: string, text: string) {
  return until(() => {
    for (const roomId of desk.hs.roomsOf(user, "invite").concat(desk.hs.roomsOf(user))) {
      const found = desk.hs
        .messages(roomId, desk.bot.userId)
        .find((e) => String(e.content.body).includes(text));
      if (found) return { roomId, event: found };
    }
    return undefined;
  }, `a page to ${user}`);
}

async function pageStatus(number: number): Promise<string | undefined> {
  return (await desk.db.prisma.page.findUnique({ where: { number } }))?.status;
}

describe("pages on Matrix", () => {
  it("a ✅ reaction on the page DM acknowledges it as the person who reacted", async () => {
    await desk.say(alice, general, "!oncall page csirt database primary is down");
    await desk.app.services.jobs.runDue();
    const { roomId, event } = await pageMessageTo(bob, "database primary is down");
    expect(event.content["org.tocsin.ack_reaction"]).toBe("/oncall ack 1");
    if (desk.hs.membership(roomId, bob) !== "join") desk.hs.join(bob, roomId);
    desk.hs.sendEvent(bob, roomId, "m.reaction", {
      "m.relates_to": { rel_type: "m.annotation", event_id: event.event_id, key: "✅" },
    });
    await until(async () => ((await pageStatus(1)) === "acked" ? true : undefined), "the page acknowledged");
    const page = await desk.db.prisma.page.findUniqueOrThrow({ where: { number: 1 } });
    const acker = await desk.db.prisma.personIdentity.findFirstOrThrow({
      where: { personId: page.ackedById ?? "" },
    });
    expect(acker).toMatchObject({ platform: "matrix", externalId: bob });
  });

  it("`!ack` acknowledges the caller's latest open page", async () => {
    await desk.say(alice, general, "!oncall page csirt disk full on the log server");
    await desk.app.services.jobs.runDue();
    await pageMessageTo(bob, "disk full on the log server");
    const said = await desk.say(bob, general, "!ack");
    expect(said.text).toMatch(/acknowledged|acked/i);
    await until(
      async () => ((await pageStatus(1)) === "acked" ? true : undefined),
      "the second page acknowledged",
    );
  });

  it("a reaction on a message without an acknowledge action does nothing", async () => {
    await desk.say(alice, general, "!oncall page csirt certificate expires tonight");
    await desk.app.services.jobs.runDue();
    await pageMessageTo(bob, "certificate expires tonight");
    const said = await desk.say(bob, general, "!inc list");
    const answer = said.events.find((e) => e.type === "m.room.message");
    desk.hs.sendEvent(bob, general, "m.reaction", {
      "m.relates_to": { rel_type: "m.annotation", event_id: answer?.event_id, key: "✅" },
    });
    // A barrier: the room's events are handled in order, so once a later command is answered the
    // reaction has had its turn.
    await desk.say(bob, general, "!inc list");
    expect(await pageStatus(1)).toBe("open");
  });
});
