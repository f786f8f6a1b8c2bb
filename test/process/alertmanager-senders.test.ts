// What a real Alertmanager sends, before tocsin reads it: Debian's Prometheus scrapes a gauge
// the test sets, its rule fires and resolves, and Debian's Alertmanager posts the group to a
// recording receiver twice over, as an Alertmanager webhook (payload version 4) and as
// PagerDuty Events API v2 events (`pagerduty_configs` with a `url`), once firing and once
// resolved. The captured bodies must keep the shape of the fixtures in
// test/fixtures/alerts/captured/, which endpoint tests may replay; TOCSIN_RECAPTURE_ALERT_FIXTURES=1
// rewrites them.
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RecordedPost, RecordingReceiver } from "../doubles/recording-receiver.ts";
import { ALERT_NAME, type PrometheusStack, startPrometheusStack } from "../support/prometheus-stack.ts";
import { scaledDeadline, until } from "../support/waiting.ts";

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/alerts/captured");
const WEBHOOK_PATH = "/alerts/alertmanager/am-webhook-key-0123456789abcdef012345";
const ROUTING_KEY = "am-routing-key-0123456789abcdef0123456";

let root: string;
let receiver: RecordingReceiver;
let stack: PrometheusStack;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "tocsin-alertmanager-"));
  await chmod(root, 0o755);
  receiver = await RecordingReceiver.start();
  stack = await startPrometheusStack({
    dir: root,
    webhookUrl: `${receiver.url}${WEBHOOK_PATH}`,
    pagerDutyUrl: `${receiver.url}/v2/enqueue`,
    routingKey: ROUTING_KEY,
  });
}, scaledDeadline(60_000));

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
  await rm(root, { recursive: true, force: true });
});

/** Waits for the `count`th post to `to`, failing with both servers' output. */
function nthPost(to: string, count: number, what: string): Promise<RecordedPost> {
  return until(() => receiver.postsTo(to)[count - 1], what, {
    timeoutMs: 30_000,
    wakeOn: (wake) => receiver.onPost(wake),
    detail: () => `posts: ${JSON.stringify(receiver.posts.map((p) => p.raw))}\n${stack.output()}`,
  });
}

/** The shape of a JSON value: its keys and the types of its leaves, not their values. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shape(value[0])];
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, inner]) => [key, shape(inner)]),
    );
  }
  return typeof value;
}

async function matchesFixture(name: string, post: RecordedPost): Promise<void> {
  const file = path.join(FIXTURES, name);
  if (process.env.TOCSIN_RECAPTURE_ALERT_FIXTURES === "1") {
    await writeFile(file, `${JSON.stringify(post.body, null, 2)}\n`);
  }
  const fixture = JSON.parse(await readFile(file, "utf8")) as unknown;
  expect(shape(post.body), `${name} no longer has the shape Alertmanager sends`).toEqual(shape(fixture));
}

describe("a real Alertmanager's notifications", () => {
  it("posts one webhook (version 4) and one PagerDuty event per group, firing then resolved", {
    timeout: scaledDeadline(90_000),
  }, async () => {
    stack.target.set(1);
    const firing = await nthPost(WEBHOOK_PATH, 1, "the firing webhook");
    const trigger = await nthPost("/v2/enqueue", 1, "the PagerDuty trigger");

    expect(firing.headers["content-type"]).toBe("application/json");
    expect(firing.headers["user-agent"]).toMatch(/^Alertmanager\//);
    expect(firing.body).toMatchObject({
      version: "4",
      receiver: "webhook",
      status: "firing",
      groupKey: `{}/{}:{alertname="${ALERT_NAME}"}`,
      groupLabels: { alertname: ALERT_NAME },
      commonAnnotations: { summary: "Nightly backup of db-1 failed" },
      truncatedAlerts: 0,
      alerts: [
        {
          status: "firing",
          labels: { alertname: ALERT_NAME, severity: "critical", service: "backups" },
          annotations: { runbook_url: "https://runbooks.example.org/backups" },
          fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
          generatorURL: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/graph\?/),
        },
      ],
    });
    expect(trigger.body).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: "trigger",
      dedup_key: expect.stringMatching(/^[0-9a-f]{64}$/),
      client: "Alertmanager",
      payload: {
        summary: expect.stringContaining(`[FIRING:1] ${ALERT_NAME}`),
        source: "Alertmanager",
        severity: "error",
        custom_details: { num_firing: "1", num_resolved: "0" },
      },
    });

    stack.target.set(0);
    const resolved = await nthPost(WEBHOOK_PATH, 2, "the resolved webhook");
    const resolve = await nthPost("/v2/enqueue", 2, "the PagerDuty resolve");
    const fingerprint = (firing.body as { alerts: Array<{ fingerprint: string }> }).alerts[0]!.fingerprint;
    expect(resolved.body).toMatchObject({
      version: "4",
      status: "resolved",
      groupKey: (firing.body as { groupKey: string }).groupKey,
      alerts: [{ status: "resolved", fingerprint, endsAt: expect.stringMatching(/^\d{4}-/) }],
    });
    expect(resolve.body).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: "resolve",
      dedup_key: (trigger.body as { dedup_key: string }).dedup_key,
      payload: { summary: expect.stringContaining(`[RESOLVED] ${ALERT_NAME}`) },
    });
    // Each receiver's notifications for a group arrive in order, so its resolved one is the
    // barrier: exactly one firing notification came before it, none repeated.
    expect(receiver.postsTo(WEBHOOK_PATH).map((post) => (post.body as { status: string }).status)).toEqual([
      "firing",
      "resolved",
    ]);
    expect(
      receiver.postsTo("/v2/enqueue").map((post) => (post.body as { event_action: string }).event_action),
    ).toEqual(["trigger", "resolve"]);

    await matchesFixture("webhook-firing.json", firing);
    await matchesFixture("webhook-resolved.json", resolved);
    await matchesFixture("pagerduty-trigger.json", trigger);
    await matchesFixture("pagerduty-resolve.json", resolve);
  });
});
