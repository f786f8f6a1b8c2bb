// Pages have their own lane (issue 15): chat housekeeping (summary edits, topics, bulletins)
// queued on Slack can never delay a page. The whole desk on the Slack double, paged by a slash
// command while a backlog of slow `chat.update` calls is queued.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type App, createApp } from "../../../src/app.ts";
import { message, text } from "../../../src/chat/message.ts";
import { SLACK_EVENTS_PATH, SlackPlatform } from "../../../src/chat/slack/slack-platform.ts";
import { ManualClock } from "../../../src/clock.ts";
import { MAX_SOCKETS_PER_HOST } from "../../../src/http/keep-alive-fetch.ts";
import { HttpServer } from "../../../src/http/server.ts";
import { silentLogger } from "../../../src/logging.ts";
import { parseOncallConfig } from "../../../src/oncall/config.ts";
import { createTestDatabase, type TestDatabase } from "../../database.ts";
import { type DoubleChannel, SlackRequestSender, SlackWebApiDouble } from "../../doubles/slack-web-api.ts";
import { until } from "../../support/waiting.ts";
import { addPeople, alice, bob, FAST_RETRIES, SIGNING_SECRET } from "./harness.ts";

const BACKLOG = 200;

let db: TestDatabase;
let slack: SlackWebApiDouble;
let http: HttpServer;
let app: App;
let platform: SlackPlatform;
let sender: SlackRequestSender;
let soc: DoubleChannel;

beforeEach(async () => {
  db = await createTestDatabase();
  slack = await SlackWebApiDouble.start();
  addPeople(slack);
  soc = slack.addChannel({ name: "soc", members: [alice.id, bob.id] });
  http = new HttpServer(silentLogger);
  platform = new SlackPlatform({
    botToken: slack.botToken,
    signingSecret: SIGNING_SECRET,
    apiUrl: slack.apiUrl,
    http,
    log: silentLogger,
    retryPolicy: FAST_RETRIES,
  });
  app = createApp({
    db: db.prisma,
    clock: new ManualClock("2026-03-10T09:00:00Z"),
    log: silentLogger,
    platforms: [platform],
    http,
    runJobs: false,
    oncall: {
      config: parseOncallConfig(
        `people:
  - { id: alice, name: Alice, timeZone: Europe/Paris, identities: { slack: "${alice.id}" } }
  - { id: bob, name: Bob, timeZone: Europe/Paris, identities: { slack: "${bob.id}" } }
teams:
  - id: csirt
    name: CSIRT
    members: [alice, bob]
    escalationPolicy: standard
    rotations:
      - { id: primary, type: weekly, participants: [bob], start: "2026-03-09", handoff: "09:00", timeZone: Europe/Paris }
escalationPolicies:
  - id: standard
    levels:
      - { target: { oncall: csirt }, after: 5m }
`,
        "oncall.yaml",
      ),
    },
  });
  await app.start();
  const port = await http.listen(0, "127.0.0.1");
  sender = new SlackRequestSender(`http://127.0.0.1:${port}${SLACK_EVENTS_PATH}`, SIGNING_SECRET, slack);
});

afterEach(async () => {
  await http?.close();
  await app?.stop();
  await slack?.close();
  await db?.close();
});

/** The page DM bob got, once he got it. */
function bobsPage(): Promise<string> {
  return until(() => {
    const im = [...slack.channels.values()].find((c) => c.isIm && c.members.has(bob.id));
    return im?.messages.find((m) => m.text.includes("📟 Page #1"))?.text;
  }, "bob's page DM");
}

describe("pages go ahead of chat housekeeping", () => {
  it("a page in an incident room and its DM overtake 200 slow summary edits queued for that room", async () => {
    await sender.slashCommand({
      command: "/inc",
      text: "declare Phishing wave sev:3",
      user: alice,
      channel: soc,
    });
    const room = await until(
      () => slack.channelByName("inc-2026-0001-phishing-wave"),
      "the incident channel",
    );
    const summary = await until(
      () => slack.messagesIn(room.id).find((m) => m.botId !== undefined),
      "the incident's first post",
    );

    slack.slowDown("chat.update", { ms: 25 });
    const started = Date.now();
    let editsDone = 0;
    const edits = Array.from({ length: BACKLOG }, (_, i) =>
      platform.update(room.id, summary.ts, message(text(`summary refresh ${i}`))).finally(() => {
        editsDone++;
      }),
    );
    // A post that is not a page waits its turn behind the backlog, as the lane's order says.
    let housekeepingPostedAfter = -1;
    const housekeeping = platform.post(room.id, message(text("bulletin"))).then(() => {
      housekeepingPostedAfter = editsDone;
    });

    await sender.slashCommand({
      command: "/inc",
      text: "page csirt phishing is back",
      user: alice,
      channel: room,
    });
    await bobsPage();
    const line = await until(
      () => slack.messagesIn(room.id).find((m) => m.text.includes("📟 Page #1")),
      "the page's line in the incident room",
    );
    const pageMs = Date.now() - started;
    const editsBeforePage = editsDone;

    await Promise.all([...edits, housekeeping]);
    const drainedMs = Date.now() - started;
    console.info(
      `page DM and room line delivered after ${pageMs} ms with ${editsBeforePage}/${BACKLOG} edits done; backlog drained after ${drainedMs} ms`,
    );
    expect(line.text).toContain("paging");
    // At most the edit in flight and the few done while the command was taken in went first.
    expect(editsBeforePage).toBeLessThan(BACKLOG / 4);
    expect(housekeepingPostedAfter).toBe(BACKLOG);
  });

  it("a page DM is not held behind 200 summary edits in flight across rooms", async () => {
    let release!: () => void;
    const held = slack.slowDown("chat.update", {
      until: new Promise<void>((resolve) => {
        release = resolve;
      }),
    });
    const rooms = Array.from({ length: BACKLOG }, (_, i) => slack.addChannel({ name: `inc-${i}` }));
    let editsDone = 0;
    const edits = rooms.map((room) =>
      platform
        .update(room.id, "1.000001", message(text("summary refresh")))
        .catch(() => {}) // the double knows no such message: only the waiting matters here
        .finally(() => {
          editsDone++;
        }),
    );
    // The shared socket pool keeps at most MAX_SOCKETS_PER_HOST requests in flight: the rest of
    // the backlog queues there, and every shared socket is held.
    await until(() => held.arrived() >= MAX_SOCKETS_PER_HOST, "the edits in flight");
    let ordinaryDmSent = false;
    const ordinaryDm = platform.directMessage(alice.id, message(text("weekly digest"))).then(() => {
      ordinaryDmSent = true;
    });

    await sender.slashCommand({
      command: "/oncall",
      text: "page csirt VPN brute force",
      user: alice,
      channel: soc,
    });
    expect(await bobsPage()).toContain("VPN brute force");
    // The barrier: the page went out while every edit was still held, and the ordinary DM,
    // asked for first, is still queued behind them.
    expect(editsDone).toBe(0);
    expect(ordinaryDmSent).toBe(false);
    // And it did not wait for a held edit to time out and free its socket (a retried edit would
    // have arrived again).
    expect(held.arrived()).toBe(MAX_SOCKETS_PER_HOST);

    release();
    await Promise.all([...edits, ordinaryDm]);
    expect(editsDone).toBe(BACKLOG);
  });
});
