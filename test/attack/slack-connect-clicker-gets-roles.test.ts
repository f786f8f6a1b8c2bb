// ATTACK: the Slack workspace gate (src/chat/slack/request-gate.ts foreignWorkspace) takes the
// team from `team.id` before `user.team_id`. In a Slack Connect channel a button click carries
// the host workspace in `team.id` and the clicker's own workspace in `user.team_id`; and every
// Slack identity counts as the organisation's (organisation.ts isInternal, SlackPlatform
// isExternalUser() is always false). So a person of another organisation clicking a summary
// button in a shared incident channel acts with the organisation's default roles.
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

beforeAll(async () => {
  db = await createTestDatabase();
  slack = await SlackWebApiDouble.start();
  addPeople(slack);
  slack.addUser({ id: "U0EXT", name: "outsider", realName: "Outsider from Partner Corp" });
  soc = slack.addChannel({ name: "soc", members: [alice.id] });
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

describe("a click from another organisation's user", () => {
  it("changes nothing, whatever team.id says", async () => {
    await sender.slashCommand({ command: "/inc", text: "declare Phishing wave", user: alice, channel: soc });
    const room = await until(
      () => slack.channelByName("inc-2026-0001-phishing-wave"),
      "the incident channel",
    );
    const summary = await until(
      () => slack.messagesIn(room.id).find((m) => room.pins.has(m.ts)),
      "the pinned summary",
    );
    const blocks = JSON.stringify(summary.blocks);
    const button = (summary.blocks as Array<{ type: string; elements?: Array<Record<string, unknown>> }>)
      .flatMap((b) => (b.type === "actions" ? (b.elements ?? []) : []))
      .find((e) => String((e.text as { text?: string })?.text ?? "").startsWith("→"));
    expect(button, blocks).toBeDefined();
    // The click as Slack sends it from a Slack Connect channel: host team in `team`, the
    // clicker's own workspace in `user.team_id`.
    const sent = await sender.interactivity({
      type: "block_actions",
      user: { id: "U0EXT", username: "outsider", name: "outsider", team_id: "T0PARTNER" },
      api_app_id: "A0TOCSIN",
      container: { type: "message", message_ts: summary.ts, channel_id: room.id, is_ephemeral: false },
      trigger_id: "1337.42.abcdef",
      team: { id: slack.teamId, domain: "tocsin-test" },
      channel: { id: room.id, name: room.name },
      message: { type: "message", ts: summary.ts, text: summary.text, blocks: summary.blocks },
      response_url: slack.responseUrl(),
      actions: [{ ...button, block_id: "actions", action_ts: `${Date.now() / 1000}` }],
    });
    // Refused at the edge (the gate answers before Bolt, so nothing ran), or answered in chat.
    if (sent.status === 403) {
      expect((await db.prisma.incident.findFirstOrThrow()).status).toBe("triage");
      return;
    }
    const answered = await until(
      async () => {
        const incident = await db.prisma.incident.findFirstOrThrow();
        if (incident.status !== "triage") return `status changed to ${incident.status}`;
        const refusal = slack.responseUrlPosts.find((p) => !JSON.stringify(p.body).includes("declared:"));
        return refusal ? `answered: ${JSON.stringify(refusal.body)}` : undefined;
      },
      "the click handled",
      15_000,
    );
    expect(answered).not.toMatch(/^status changed/);
  });
});
