// ATTACK: the Slack workspace gate (src/chat/slack/request-gate.ts foreignWorkspace) takes the
// team from `team.id` before `user.team_id`. In a Slack Connect channel a button click carries
// the host workspace in `team.id` and the clicker's own workspace in `user.team_id`; and every
// Slack identity counts as the organisation's (organisation.ts isInternal, SlackPlatform
// isExternalUser() is always false). So a person of another organisation clicking a summary
// button in a shared incident channel acts with the organisation's default roles.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "../database.ts";
import type { DoubleChannel, SlackRequestSender, SlackWebApiDouble } from "../doubles/slack-web-api.ts";
import { alice } from "../platform/slack/harness.ts";
import { type SlackDesk, startSlackDesk } from "../support/slack-desk.ts";
import { until } from "../support/waiting.ts";

let db: TestDatabase;
let slack: SlackWebApiDouble;
let sender: SlackRequestSender;
let soc: DoubleChannel;

let desk: SlackDesk;

beforeAll(async () => {
  desk = await startSlackDesk({
    setUp(double) {
      double.addUser({ id: "U0EXT", name: "outsider", realName: "Outsider from Partner Corp" });
      soc = double.addChannel({ name: "soc", members: [alice.id] });
    },
  });
  ({ db, slack, sender } = desk);
});

afterAll(async () => {
  await desk?.close();
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
