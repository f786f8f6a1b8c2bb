// An incident worked on Slack and Matrix at once: `/inc mirror matrix` binds a Matrix room to a
// Slack incident; from then on every change the bot announces shows in both, commands from
// either side act on the same record, and the TLP gate still guards each room. Real Bolt and
// real matrix-js-sdk against their doubles, one app, one database.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { accessPolicy } from "../../../src/access/policy.ts";
import { type App, createApp } from "../../../src/app.ts";
import { MatrixPlatform } from "../../../src/chat/matrix/matrix-platform.ts";
import { SLACK_EVENTS_PATH, SlackPlatform } from "../../../src/chat/slack/slack-platform.ts";
import { ManualClock } from "../../../src/clock.ts";
import { PrismaPlatformState } from "../../../src/db/platform-state.ts";
import { HttpServer } from "../../../src/http/server.ts";
import { silentLogger } from "../../../src/logging.ts";
import { createTestDatabase, type TestDatabase } from "../../database.ts";
import { MatrixHomeserverDouble, type MatrixUser } from "../../doubles/matrix-homeserver.ts";
import { type DoubleChannel, SlackRequestSender, SlackWebApiDouble } from "../../doubles/slack-web-api.ts";
import { until } from "../../support/waiting.ts";

const SECRET = "mirror-test-secret";
const alice = { id: "U0ALICE", name: "alice" };

let db: TestDatabase;
let slack: SlackWebApiDouble;
let hs: MatrixHomeserverDouble;
let bot: MatrixUser;
let http: HttpServer;
let app: App;
let sender: SlackRequestSender;
let soc: DoubleChannel;
let slackRoom: DoubleChannel;
let matrixRoom = "";
const bob = "@bob:example.org";

/** Bob, a Matrix colleague, joins the incident's Matrix room (once). */
function joinBob(): void {
  if (hs.membership(matrixRoom, bob) === "join") return;
  hs.invite(bot.userId, matrixRoom, bob);
  hs.join(bob, matrixRoom);
}

// A fresh desk (database, both doubles) for every test, so each can run alone; every test starts
// from the incident declared on Slack and mirrored to Matrix (declareAndMirror).
beforeEach(async () => {
  db = await createTestDatabase();
  slack = await SlackWebApiDouble.start();
  slack.addUser({ id: alice.id, name: alice.name, displayName: "alice" });
  soc = slack.addChannel({ name: "soc", members: [alice.id] });
  hs = await MatrixHomeserverDouble.start();
  bot = hs.addUser("tocsin", "tocsin");
  hs.addUser("bob", "Bob");
  http = new HttpServer(silentLogger);
  app = createApp({
    db: db.prisma,
    clock: new ManualClock("2026-03-10T09:00:00Z"),
    log: silentLogger,
    http,
    runJobs: false,
    // The bot's homeserver is the organisation's, as main.ts derives it from MATRIX_USER_ID.
    permissions: accessPolicy(db.prisma, { matrixUserId: bot.userId }),
    platforms: [
      new SlackPlatform({
        botToken: slack.botToken,
        signingSecret: SECRET,
        apiUrl: slack.apiUrl,
        http,
        log: silentLogger,
      }),
      new MatrixPlatform({
        homeserverUrl: hs.url,
        accessToken: bot.accessToken,
        userId: bot.userId,
        deviceId: bot.deviceId,
        state: new PrismaPlatformState(db.prisma, "matrix"),
        log: silentLogger,
        pollTimeoutMs: 10_000,
      }),
    ],
  });
  await app.start();
  sender = new SlackRequestSender(
    `http://127.0.0.1:${await http.listen(0, "127.0.0.1")}${SLACK_EVENTS_PATH}`,
    SECRET,
    slack,
  );
});

afterEach(async () => {
  await http?.close();
  await app?.stop();
  await slack?.close();
  await hs?.close();
  await db?.close();
});

const slackTexts = () => slack.messagesIn(slackRoom.id).map((m) => m.text);
const matrixTexts = () => hs.messages(matrixRoom, bot.userId).map((e) => String(e.content.body));

/** Alice declares INC-2026-0001 on Slack and mirrors it to Matrix; resolves once both rooms show it. */
async function declareAndMirror(): Promise<void> {
  await sender.slashCommand({
    command: "/inc",
    text: "declare Slack token leak sev:2",
    user: alice,
    channel: soc,
  });
  slackRoom = await until(() => slack.channelByName("inc-2026-0001-slack-token-leak"), "the Slack channel");
  // The channel exists before the incident is bound to it; the declare's answer comes after.
  await slack.waitForResponseUrlPost((p) => JSON.stringify(p.body).includes("INC-2026-0001 declared"));
  await sender.slashCommand({ command: "/inc", text: "mirror matrix", user: alice, channel: slackRoom });
  matrixRoom = await until(() => hs.roomIdForAlias("#inc-2026-0001:example.org"), "the Matrix room");
  await until(
    () => matrixTexts().some((t) => t.includes("== INC-2026-0001: Slack token leak ==")),
    "the Matrix summary",
  );
  await until(() => slackTexts().find((t) => t.includes("mirrored to matrix")), "the mirror note on Slack");
}

describe("an incident mirrored between Slack and Matrix", () => {
  it("binds a Matrix room to a Slack incident with /inc mirror matrix", async () => {
    await declareAndMirror();
    const rooms = await db.prisma.incidentRoom.findMany({ orderBy: { createdAt: "asc" } });
    expect(rooms.map((r) => r.platform)).toEqual(["slack", "matrix"]);
    expect(await db.prisma.incident.count()).toBe(1);
  });

  it("shows a change made on Slack in the Matrix room", async () => {
    await declareAndMirror();
    await sender.slashCommand({
      command: "/inc",
      text: "status investigating",
      user: alice,
      channel: slackRoom,
    });
    await until(
      () => matrixTexts().find((t) => t.includes("status triage → investigating")),
      "the change on Matrix",
    );
    await until(
      () => slackTexts().find((t) => t.includes("status triage → investigating")),
      "the change on Slack",
    );
  });

  it("shows a change made on Matrix in the Slack channel, on the same record", async () => {
    await declareAndMirror();
    joinBob();
    hs.sendMessage(bob, matrixRoom, "!inc note rotated the leaked token");
    await until(
      () => slackTexts().find((t) => t.includes("INC-2026-0001: rotated the leaked token")),
      "the note on Slack",
    );
    await until(
      () => matrixTexts().find((t) => t.includes("INC-2026-0001: rotated the leaked token")),
      "the note on Matrix",
    );
    const notes = await db.prisma.timelineEntry.findMany({
      where: { kind: "note" },
      include: { actor: true },
    });
    expect(notes.map((n) => [n.text, n.actor?.displayName])).toContainEqual([
      "rotated the leaked token",
      "Bob",
    ]);
  });

  it("mirrors only the bot's own content, never free chat", async () => {
    await declareAndMirror();
    joinBob();
    hs.sendMessage(bob, matrixRoom, "just chatting, not a command");
    // A barrier: a note typed after the chat in the same room (handled in order) reaches Slack.
    hs.sendMessage(bob, matrixRoom, "!inc note typed after the chat");
    await until(
      () => slackTexts().find((t) => t.includes("INC-2026-0001: typed after the chat")),
      "the later note on Slack",
    );
    expect(slackTexts().some((t) => t.includes("just chatting"))).toBe(false);
  });

  it("keeps TLP:AMBER out of the Matrix room once someone from another homeserver is in it", async () => {
    await declareAndMirror();
    hs.addUser("@eve:partner.example", "Eve");
    hs.invite(bot.userId, matrixRoom, "@eve:partner.example");
    hs.join("@eve:partner.example", matrixRoom);
    // The bot has taken in Eve's join once it has handled a command typed after it.
    joinBob();
    const marker = hs.sendMessage(bob, matrixRoom, "!inc list");
    await hs.waitForEvent(
      (e) =>
        e.type === "m.reaction" &&
        e.sender === bot.userId &&
        (e.content["m.relates_to"] as { event_id?: string } | undefined)?.event_id === marker,
    );
    await sender.slashCommand({
      command: "/inc",
      text: "note attacker used token from 203.0.113.9",
      user: alice,
      channel: slackRoom,
    });
    await until(
      () => slackTexts().find((t) => t.includes("attacker used token from 203.0.113.9")),
      "the note on Slack",
    );
    await until(
      () => matrixTexts().find((t) => t.includes("🔒 An update was withheld here")),
      "the withheld notice on Matrix",
    );
    expect(matrixTexts().some((t) => t.includes("203.0.113.9"))).toBe(false);
  });

  it("refuses to mirror twice or to a platform that is not configured", async () => {
    await declareAndMirror();
    await sender.slashCommand({ command: "/inc", text: "mirror matrix", user: alice, channel: slackRoom });
    const answer = await slack.waitForResponseUrlPost((p) =>
      JSON.stringify(p.body).includes("already has a room on matrix"),
    );
    expect(String(answer.body.text)).toContain("INC-2026-0001 already has a room on matrix: ");
    await sender.slashCommand({ command: "/inc", text: "mirror console", user: alice, channel: slackRoom });
    const refused = await slack.waitForResponseUrlPost((p) =>
      JSON.stringify(p.body).includes("not configured"),
    );
    expect(String(refused.body.text)).toContain("console is not configured on this tocsin.");
  });
});
