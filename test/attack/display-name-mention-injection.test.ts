// ATTACK: typed mentions are inert, but a person's display name is not typed text: it comes from
// the platform profile (Slack real/display name, Matrix displayname) and is never stripped of the
// private-use characters the bot marks its own live mentions with (src/chat/message.ts mentionOf).
// A name "\uE000U0BOB\uE001" is rendered by block-kit.ts escapeMrkdwn as `<@U0BOB>`: the bot
// posts a live mention (a notification) of whoever the name's owner chose. (`<!channel>` itself
// does not get through: `<` and `>` inside the markers are escaped before the markers are
// replaced, so "\uE000X> <!channel\uE001" renders as the inert `<@X&gt; &lt;!channel>`.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.ts";
import { SLACK_EVENTS_PATH, SlackPlatform } from "../../src/chat/slack/slack-platform.ts";
import { ManualClock } from "../../src/clock.ts";
import { HttpServer } from "../../src/http/server.ts";
import { silentLogger } from "../../src/logging.ts";
import { createTestDatabase, type TestDatabase } from "../database.ts";
import { type DoubleChannel, SlackRequestSender, SlackWebApiDouble } from "../doubles/slack-web-api.ts";
import { addPeople, alice, FAST_RETRIES, SIGNING_SECRET } from "../platform/slack/harness.ts";
import { until } from "../support/waiting.ts";

let db: TestDatabase;
let slack: SlackWebApiDouble;
let http: HttpServer;
let app: App;
let sender: SlackRequestSender;
let soc: DoubleChannel;

const mallory = { id: "U0MAL", name: "mallory" };

beforeAll(async () => {
  db = await createTestDatabase();
  slack = await SlackWebApiDouble.start();
  addPeople(slack);
  // A colleague's profile name: anyone in the workspace may set their own.
  slack.addUser({ id: mallory.id, name: mallory.name, realName: "\uE000U0BOB\uE001" });
  soc = slack.addChannel({ name: "soc", members: [alice.id, mallory.id] });
  http = new HttpServer(silentLogger);
  const platform = new SlackPlatform({
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
  });
  await app.start();
  const port = await http.listen(0, "127.0.0.1");
  sender = new SlackRequestSender(`http://127.0.0.1:${port}${SLACK_EVENTS_PATH}`, SIGNING_SECRET, slack);
});

afterAll(async () => {
  await http?.close();
  await app?.stop();
  await slack?.close();
  await db?.close();
});

describe("a display name cannot become a live mention", () => {
  it("naming a person commander does not mention someone their profile name chose", async () => {
    await sender.slashCommand({ command: "/inc", text: "declare Phishing wave", user: alice, channel: soc });
    const room = await until(
      () => slack.channelByName("inc-2026-0001-phishing-wave"),
      "the incident channel",
    );
    await sender.slashCommand({ command: "/inc", text: "lead <@U0MAL|mallory>", user: alice, channel: room });
    const announced = await until(
      () => slack.messagesIn(room.id).find((m) => m.text.includes("is now commander")),
      "the role announcement",
    );
    const posted = JSON.stringify([announced.text, announced.blocks]);
    expect(posted).not.toContain("<@U0BOB>");
  });
});
