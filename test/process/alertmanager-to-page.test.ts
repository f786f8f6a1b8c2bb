// Monitoring pages the on-call through a real tocsin: Debian's Prometheus scrapes a gauge the
// test sets and fires a rule while it is 1; Debian's Alertmanager sends the alert group to
// tocsin twice, through its webhook receiver (`/alerts/alertmanager/<key>`) and its
// `pagerduty_configs` receiver (`url: .../v2/enqueue`, routing_key); tocsin runs as `npm start`
// with Slack (the Web API double) and an on-call configuration whose two integrations feed a
// team with bob on call. The page reaches bob once per integration, bob acknowledges through
// `/alert ack`, and when the gauge drops back to 0 the alerts resolve and the pages say so.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../../src/db/embedded-postgres.ts";
import {
  type DoubleChannel,
  type DoubleMessage,
  SlackRequestSender,
  SlackWebApiDouble,
} from "../doubles/slack-web-api.ts";
import { ALERT_NAME, type PrometheusStack, startPrometheusStack } from "../support/prometheus-stack.ts";
import { startTocsin, type TocsinProcess, waitUntilReady } from "../support/tocsin-process.ts";
import { scaledDeadline, until } from "../support/waiting.ts";

const SIGNING_SECRET = "alertmanager-to-page-secret";
const WEBHOOK_KEY = "am-webhook-key-0123456789abcdef0123456789";
const PAGERDUTY_KEY = "am-pagerduty-key-0123456789abcdef012345678";
const alice = { id: "U0ALICE", name: "alice" };
const bob = { id: "U0BOB", name: "bob" };

const ONCALL = `people:
  - { id: alice, name: Alice, timeZone: UTC, identities: { slack: ${alice.id} } }
  - { id: bob, name: Bob, timeZone: UTC, identities: { slack: ${bob.id} } }
teams:
  - id: sre
    name: SRE
    members: [alice, bob]
    escalationPolicy: sre
    rotations:
      - { id: primary, type: weekly, participants: [bob], start: "2026-01-05", handoff: "09:00", timeZone: UTC }
escalationPolicies:
  - id: sre
    levels:
      - { target: { oncall: sre }, after: 30m }
      - { target: { person: alice }, after: 30m }
integrations:
  - { id: prom-webhook, kind: alertmanager, team: sre, key: ${WEBHOOK_KEY} }
  - { id: prom-pagerduty, kind: pagerduty, team: sre, key: ${PAGERDUTY_KEY} }
`;

let root: string;
let slack: SlackWebApiDouble;
let desk: TocsinProcess;
let sender: SlackRequestSender;
let stack: PrometheusStack;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "tocsin-alert-page-"));
  await chmod(root, 0o755);
  slack = await SlackWebApiDouble.start();
  slack.addUser({ id: alice.id, name: alice.name, displayName: "alice" });
  slack.addUser({ id: bob.id, name: bob.name, displayName: "bob" });
  const oncall = path.join(root, "oncall.yaml");
  await writeFile(oncall, ONCALL);
  const port = await freeLoopbackPort();
  desk = startTocsin(
    {
      TOCSIN_DATA_DIR: path.join(root, "data"),
      ONCALL_CONFIG: oncall,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      HTTP_PORT: String(port),
      HTTP_HOST: "127.0.0.1",
      LOG_LEVEL: "info",
    },
    { via: "npm" },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitUntilReady(desk, base, 60_000);
  sender = new SlackRequestSender(`${base}/slack/events`, SIGNING_SECRET, slack);
  stack = await startPrometheusStack({
    dir: root,
    webhookUrl: `${base}/alerts/alertmanager/${WEBHOOK_KEY}`,
    pagerDutyUrl: `${base}/v2/enqueue`,
    routingKey: PAGERDUTY_KEY,
  });
}, scaledDeadline(120_000));

afterAll(async () => {
  let exitCode: number | null = 0;
  try {
    await stack?.stop();
    // SIGTERM to tocsin itself (stdin is not read with Slack): it shuts down cleanly, then npm.
    if (desk) exitCode = await desk.stop("SIGTERM");
  } finally {
    await slack?.close();
    await rm(root, { recursive: true, force: true });
  }
  expect(exitCode).toBe(0);
});

/** bob's direct messages from tocsin. */
function bobsDirectMessages(): DoubleMessage[] {
  const im = [...slack.channels.values()].find((c: DoubleChannel) => c.isIm && c.members.has(bob.id));
  return im ? slack.messagesIn(im.id).filter((m) => m.botId === slack.botId) : [];
}

/** Everything a message shows: its fallback text and its blocks. */
function shown(message: DoubleMessage): string {
  return `${message.text}\n${JSON.stringify(message.blocks ?? [])}`;
}

/** bob's page DMs about the alert from integration `integrationId`. */
function pagesFrom(integrationId: string): DoubleMessage[] {
  return bobsDirectMessages().filter((m) => m.text.includes("📟 Page #") && shown(m).includes(integrationId));
}

function numberIn(message: DoubleMessage, what: "Page" | "Alert"): number {
  const match = new RegExp(`${what} #(\\d+)`).exec(shown(message));
  if (!match) throw new Error(`no ${what.toLowerCase()} number in ${shown(message)}`);
  return Number(match[1]);
}

/** bob's DM lines saying how page `n` ended (tocsin tells each paged person in a new line). */
function outcomesOf(page: number): string[] {
  return bobsDirectMessages()
    .map((m) => m.text)
    .filter((text) => text.startsWith(`✅ Page #${page} `));
}

function detail(): string {
  return `bob's DMs:\n${bobsDirectMessages()
    .map(shown)
    .join("\n---\n")}\ntocsin stderr:\n${desk.stderr().slice(-4000)}\n${stack.output()}`;
}

describe("Prometheus and Alertmanager paging through tocsin", () => {
  it("pages once per integration, acks by command, and resolves when the rule stops firing", {
    timeout: scaledDeadline(150_000),
  }, async () => {
    const soc = slack.addChannel({ name: "soc", members: [alice.id, bob.id] });
    stack.target.set(1);
    const [webhookPage] = await until(
      () => (pagesFrom("prom-webhook").length > 0 ? pagesFrom("prom-webhook") : undefined),
      "bob's page for the webhook alert",
      { timeoutMs: 40_000, detail },
    );
    const [pagerDutyPage] = await until(
      () => (pagesFrom("prom-pagerduty").length > 0 ? pagesFrom("prom-pagerduty") : undefined),
      "bob's page for the PagerDuty event",
      { timeoutMs: 40_000, detail },
    );
    expect(shown(webhookPage!)).toContain("Nightly backup of db-1 failed");
    expect(shown(webhookPage!)).toContain(`alertname=${ALERT_NAME}`);
    expect(shown(pagerDutyPage!)).toContain(ALERT_NAME);

    // bob acknowledges the webhook's alert with the command; its page says so.
    const webhookAlert = numberIn(webhookPage!, "Alert");
    const pages = { webhook: numberIn(webhookPage!, "Page"), pagerDuty: numberIn(pagerDutyPage!, "Page") };
    const ack = await sender.slashCommand({
      command: "/alert",
      text: `ack ${webhookAlert}`,
      user: bob,
      channel: soc,
    });
    expect(ack.status).toBe(200);
    await until(
      () => outcomesOf(pages.webhook).some((line) => line.includes("acknowledged by Bob")),
      "the webhook alert's page to say bob acknowledged it",
      { detail },
    );

    // The rule stops firing: Alertmanager sends both receivers a resolved notification, and
    // both pages say the alert is resolved.
    stack.target.set(0);
    for (const page of [pages.webhook, pages.pagerDuty]) {
      await until(
        () => outcomesOf(page).some((line) => line.includes("resolved")),
        `page #${page} to say it was resolved`,
        { timeoutMs: 40_000, detail },
      );
    }
    // Alertmanager sent each receiver one firing and then one resolved notification, in that
    // order; the resolved pages above are the barrier: no other page for either came before.
    expect(pagesFrom("prom-webhook")).toHaveLength(1);
    expect(pagesFrom("prom-pagerduty")).toHaveLength(1);
    expect(bobsDirectMessages().filter((m) => m.text.includes("📟 Page #"))).toHaveLength(2);
    expect(outcomesOf(pages.pagerDuty)).toHaveLength(1);
    // The page DMs themselves followed their pages (edited before the line saying how each
    // ended): no Ack button left on a resolved alert, and they say how it ended.
    for (const page of [...pagesFrom("prom-webhook"), ...pagesFrom("prom-pagerduty")]) {
      expect(shown(page)).not.toContain('"type":"actions"');
      expect(shown(page)).toMatch(/Page #\d+ resolved by its sender/);
    }
    expect(desk.stderr()).not.toContain("unhandled rejection");
    // npm start ran the start bundle, the ack thread included (plain JavaScript in the thread).
    expect(desk.stderr()).toMatch(/"code":"bundle"[^\n]*the Slack ack thread listens/);
  });
});
