// The alert endpoints over real HTTP with a receiver that records signals: each sender's
// published payload maps as documented; keys in the path or as a bearer token, compared in
// constant time; 2xx only once receive() resolved; 503/500/429/413/400/415; hostile bodies.
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { WAITING_PER_PLACE } from "../../../src/alerts/intake/in-flight.ts";
import { IntegrationKeys } from "../../../src/alerts/intake/keys.ts";
import { type AlertRoutes, registerAlertRoutes } from "../../../src/alerts/intake/routes.ts";
import type { AlertReceiver, AlertSignal } from "../../../src/alerts/signal.ts";
import { ManualClock } from "../../../src/clock.ts";
import type { Db } from "../../../src/db/database.ts";
import { UserError } from "../../../src/errors.ts";
import { Metrics } from "../../../src/http/metrics.ts";
import { HttpServer } from "../../../src/http/server.ts";
import { JobQueue } from "../../../src/jobs/queue.ts";
import { configWithIntegrations } from "../../support/alert-config.ts";
import { rawRequest } from "../../support/raw-http.ts";
import { until } from "../../support/waiting.ts";

const FIXTURES = path.join(import.meta.dirname, "../../fixtures/alerts");
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path.join(FIXTURES, name), "utf8"));

const AM_KEY = "a".repeat(40);
const PD_KEY = "p".repeat(32);
const GRAFANA_KEY = "g".repeat(40);
const GENERIC_KEY = "x".repeat(40);

const config = configWithIntegrations(`  - { id: prom, kind: alertmanager, team: csirt, key: ${AM_KEY} }
  - id: pd
    kind: pagerduty
    team: csirt
    key: ${PD_KEY}
    rules:
      - { match: { component: postgres }, set: { class: system-compromise } }
  - { id: graf, kind: grafana, team: csirt, key: ${GRAFANA_KEY}, tlp: green }
  - { id: gen, kind: generic, team: csirt, key: ${GENERIC_KEY} }
`);

/** Records signals; `next` decides how the next receive() ends (resolves at once by default). */
class RecordingReceiver implements AlertReceiver {
  signals: AlertSignal[] = [];
  next: (() => Promise<void>) | undefined;
  /** While set, every receive() waits for it (a commit stall); `waiting` counts those that did. */
  stall: Promise<void> | undefined;
  waiting = 0;
  onWaiting: (() => void) | undefined;
  async receive(signals: readonly AlertSignal[]): Promise<void> {
    const next = this.next;
    this.next = undefined;
    if (next) await next();
    if (this.stall) {
      this.waiting++;
      this.onWaiting?.();
      await this.stall;
    }
    this.signals.push(...signals);
  }
}

const receiver = new RecordingReceiver();
const compared: number[] = [];
const metrics = new Metrics();
let server: HttpServer;
let routes: AlertRoutes;
let base: string;
let port: number;

beforeAll(async () => {
  server = new HttpServer(pino({ level: "silent" }));
  const clock = new ManualClock("2026-03-10T09:00:00Z");
  const log = pino({ level: "silent" });
  const integrations = () => config.integrations;
  routes = registerAlertRoutes(server, {
    config: () => config,
    receiver,
    db: {} as Db,
    jobs: new JobQueue({} as Db, clock, log),
    clock,
    log,
    metrics,
    limits: { maxInFlight: 2, eventBodyBytes: 128 * 1024, webhookBodyBytes: 256 * 1024 },
    keys: new IntegrationKeys(integrations, (a, b) => {
      compared.push(b.length);
      return Buffer.compare(a, b) === 0;
    }),
  });
  port = await server.listen(0, "127.0.0.1");
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  receiver.signals = [];
  receiver.next = undefined;
  receiver.stall = undefined;
  receiver.waiting = 0;
  compared.length = 0;
});

async function post(target: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${target}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}

describe("each sender's published payload", () => {
  it("Alertmanager: one signal per group, members by fingerprint, summary, links, labels", async () => {
    const answer = await post(`/alerts/alertmanager/${AM_KEY}`, fixture("alertmanager-webhook.json"));
    expect(answer.status).toBe(202);
    expect(receiver.signals).toHaveLength(1);
    const [signal] = receiver.signals;
    expect(signal).toMatchObject({
      integrationId: "prom",
      action: "trigger",
      dedupKey: '{}/{team="csirt"}:{alertname="SuspiciousLogins"}',
      members: [
        { id: "5a1d9e3f0b7c2a44", status: "firing" },
        { id: "9e0c1b2d3a4f5e66", status: "resolved" },
      ],
      summary: "Many failed logins followed by a success",
      source: "http://alertmanager.example.org:9093",
      severity: 1,
      tlp: "amber",
      teamId: "csirt",
      labels: { alertname: "SuspiciousLogins", severity: "critical", team: "csirt" },
      occurredAt: new Date("2026-03-10T08:58:00.000Z"),
    });
    expect(signal?.links.map((l) => l.text)).toEqual(["Alertmanager", "Source", "Runbook"]);
    expect((signal?.details.alerts as unknown[] | undefined)?.length).toBe(2);
  });

  it("Alertmanager: a group whose alerts are all resolved resolves", async () => {
    const body = fixture("alertmanager-webhook.json");
    body.status = "resolved";
    for (const alert of body.alerts as Array<Record<string, unknown>>) alert.status = "resolved";
    await post(`/alerts/alertmanager/${AM_KEY}`, body);
    expect(receiver.signals[0]).toMatchObject({ action: "resolve" });
    expect(receiver.signals[0]?.members?.every((m) => m.status === "resolved")).toBe(true);
  });

  it("PagerDuty trigger: 202 with PagerDuty's body, fields, images as links, rules applied", async () => {
    const body = { ...fixture("pagerduty-trigger.json"), routing_key: PD_KEY };
    const answer = await post("/v2/enqueue", body);
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({
      status: "success",
      message: "Event processed",
      dedup_key: "samplekeyhere",
    });
    expect(receiver.signals[0]).toMatchObject({
      integrationId: "pd",
      action: "trigger",
      dedupKey: "samplekeyhere",
      summary: "Example alert on host1.example.com",
      source: "monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003",
      severity: 4,
      rsitType: "system-compromise",
      labels: { severity: "info", component: "postgres", group: "prod-datapipe", class: "deploy" },
      details: { "ping time": "1500ms", "load avg": 0.75, client: "Sample Monitoring Service" },
      occurredAt: new Date("2015-07-17T08:42:58.315Z"),
    });
    expect(receiver.signals[0]?.links).toEqual([
      { href: "https://example.com/", text: "Link text" },
      { href: "https://monitoring.example.com", text: "Sample Monitoring Service" },
    ]);
  });

  it("PagerDuty acknowledge and resolve; a trigger without dedup_key gets one generated and returned", async () => {
    for (const name of ["pagerduty-acknowledge.json", "pagerduty-resolve.json"]) {
      const answer = await post("/v2/enqueue", { ...fixture(name), routing_key: PD_KEY });
      expect(answer.json).toMatchObject({ status: "success", dedup_key: "dedupkeyhere" });
    }
    expect(receiver.signals.map((s) => s.action)).toEqual(["acknowledge", "resolve"]);
    const withoutKey: Record<string, unknown> = { ...fixture("pagerduty-trigger.json"), routing_key: PD_KEY };
    delete withoutKey.dedup_key;
    const answer = await post("/v2/enqueue", withoutKey);
    expect(answer.json.dedup_key).toMatch(/^[0-9a-f-]{36}$/);
    expect(receiver.signals[2]?.dedupKey).toBe(answer.json.dedup_key);
  });

  it("Alertmanager's pagerduty_configs body works on /v2/enqueue and on /alerts/pagerduty/<key>", async () => {
    const body = { ...fixture("alertmanager-pagerduty.json"), routing_key: PD_KEY };
    expect((await post("/v2/enqueue", body)).status).toBe(202);
    expect((await post(`/alerts/pagerduty/${PD_KEY}`, { ...body, routing_key: undefined })).status).toBe(202);
    expect(receiver.signals.map((s) => [s.integrationId, s.severity, s.summary])).toEqual([
      ["pd", 1, "[FIRING:1] SuspiciousLogins (critical csirt)"],
      ["pd", 1, "[FIRING:1] SuspiciousLogins (critical csirt)"],
    ]);
  });

  it("PagerDuty: invalid events get PagerDuty's 400 listing every problem", async () => {
    const answer = await post("/v2/enqueue", {
      routing_key: PD_KEY,
      event_action: "trigger",
      dedup_key: "d".repeat(256),
      payload: { summary: "s".repeat(1025), severity: "catastrophic" },
    });
    expect(answer.status).toBe(400);
    expect(answer.json.status).toBe("invalid event");
    expect(answer.json.message).toBe("Event object is invalid");
    expect(answer.json.errors).toEqual([
      "'dedup_key' is longer than 255 characters",
      "'payload.summary' is longer than 1024 characters",
      "'payload.source' is required",
      "'payload.severity' must be one of critical, error, warning, info",
    ]);
    const unknown = await post("/v2/enqueue", {
      ...fixture("pagerduty-resolve.json"),
      routing_key: "nope".repeat(10),
    });
    expect(unknown.status).toBe(400);
    // The key is checked before the event: a sender without one learns nothing of its event and
    // costs no drafting (2.3 MB of custom_details took a second: the attack review of 2026-12-01).
    const invalidAndUnknown = await post("/v2/enqueue", {
      routing_key: "nope".repeat(10),
      event_action: "trigger",
      payload: { summary: "s".repeat(1025), custom_details: { a: 1 } },
    });
    expect(invalidAndUnknown.status).toBe(400);
    expect(invalidAndUnknown.json.errors).toEqual([
      "'routing_key' is missing or not a known integration key",
    ]);
    expect(receiver.signals).toEqual([]);
  });

  it("Grafana: group by groupKey, fingerprints, Grafana links, sender's severity absent → default", async () => {
    const answer = await post(`/alerts/grafana/${GRAFANA_KEY}`, fixture("grafana-webhook.json"));
    expect(answer.status).toBe(202);
    expect(receiver.signals[0]).toMatchObject({
      integrationId: "graf",
      action: "trigger",
      dedupKey: "{}:{}",
      members: [
        { id: "c6eadffa33fcdf37", status: "firing" },
        { id: "bc97ff14869b13e3", status: "firing" },
      ],
      summary: "This alert was triggered for zone us-1 (and 1 more)",
      severity: 3,
      tlp: "green",
      labels: { team: "blue" },
    });
    expect(receiver.signals[0]?.links.map((l) => l.text)).toEqual([
      "Grafana",
      "Source",
      "Runbook",
      "Silence",
      "Source",
      "Silence",
    ]);
    const details = receiver.signals[0]?.details.alerts as Array<Record<string, unknown>>;
    expect(details[0]?.valueString).toBe("[ metric='' labels={} value=14151.331895396988 ]");
  });

  it("generic: JSON and form bodies, dedup generated and returned, close resolves", async () => {
    const json = await post(`/alerts/generic/${GENERIC_KEY}`, {
      summary: "IDS: outbound C2 beacon from 10.0.0.5",
      severity: "high",
      tlp: "red",
      class: "c2-server",
      source: "suricata",
      links: ["https://siem.example.org/case/1", "javascript:alert(1)"],
      details: { rule: 2025001 },
    });
    expect(json.status).toBe(202);
    expect(json.json.dedup).toMatch(/^[0-9a-f-]{36}$/);
    expect(receiver.signals[0]).toMatchObject({
      action: "trigger",
      severity: 2,
      tlp: "red",
      rsitType: "c2-server",
      source: "suricata",
      links: [{ href: "https://siem.example.org/case/1" }],
      details: { rule: 2025001 },
    });
    const form = await fetch(`${base}/alerts/generic/${GENERIC_KEY}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ dedup: json.json.dedup, action: "close", summary: "cleared" }).toString(),
    });
    expect(form.status).toBe(202);
    expect(receiver.signals[1]).toMatchObject({ action: "resolve", dedupKey: json.json.dedup });
  });

  it("generic: field errors are 400s naming the field", async () => {
    const cases: Array<[unknown, string]> = [
      [{ severity: 2 }, "summary"],
      [{ summary: "x".repeat(1025) }, "summary"],
      [{ summary: "x", severity: "apocalyptic" }, "severity"],
      [{ summary: "x", tlp: "purple" }, "tlp"],
      [{ summary: "x", class: "nonsense" }, "class"],
      [{ summary: "x", action: "explode" }, "action"],
      [{ summary: 42 }, "summary"],
      [{ summary: "x", labels: { a: 1 } }, "labels"],
      [{ summary: "x", details: { blob: "b".repeat(70 * 1024) } }, "details"],
      [{ action: "close" }, "dedup"],
    ];
    for (const [body, field] of cases) {
      const answer = await post(`/alerts/generic/${GENERIC_KEY}`, body);
      expect([answer.status, answer.json.field]).toEqual([400, field]);
    }
    expect(receiver.signals).toEqual([]);
  });
});

describe("keys", () => {
  const body = { summary: "x" };

  it("accepts the key in the path or as a bearer token, comparing digests of every integration", async () => {
    expect((await post(`/alerts/generic/${GENERIC_KEY}`, body)).status).toBe(202);
    expect(compared).toEqual([32, 32, 32, 32]);
    expect((await post("/alerts/generic", body, { authorization: `Bearer ${GENERIC_KEY}` })).status).toBe(
      202,
    );
    expect(receiver.signals).toHaveLength(2);
  });

  it("uses timingSafeEqual by default", async () => {
    const { timingSafeEqual } = await import("node:crypto");
    const keys = new IntegrationKeys(() => config.integrations);
    expect(keys.comparesWith).toBe(timingSafeEqual);
    expect(keys.find(GENERIC_KEY)?.id).toBe("gen");
    expect(keys.find(`${GENERIC_KEY}x`)).toBeUndefined();
  });

  it("an unknown key: 404 in the path, 401 as bearer, counted; another kind's key is unknown too", async () => {
    expect((await post(`/alerts/generic/${"z".repeat(40)}`, body)).status).toBe(404);
    expect(
      (await post(`/alerts/alertmanager/${GENERIC_KEY}`, fixture("alertmanager-webhook.json"))).status,
    ).toBe(404);
    const bearer = await post("/alerts/generic", body, { authorization: `Bearer ${"z".repeat(40)}` });
    expect(bearer.status).toBe(401);
    expect((await post("/alerts/generic", body)).status).toBe(401);
    expect(receiver.signals).toEqual([]);
    const counted = await metrics.alertRequests.get();
    const unknown = counted.values
      .filter((v) => v.labels.outcome === "unknown_key")
      .reduce((n, v) => n + v.value, 0);
    expect(unknown).toBeGreaterThanOrEqual(4);
  });
});

describe("answers", () => {
  it("answers 2xx only after receive() resolved (a barrier proves nothing came before)", async () => {
    let release!: () => void;
    let entered!: () => void;
    const inReceive = new Promise<void>((resolve) => {
      entered = resolve;
    });
    receiver.next = () =>
      new Promise<void>((resolve) => {
        release = resolve;
        entered();
      });
    let answered = false;
    const pending = post(`/alerts/generic/${GENERIC_KEY}`, { summary: "held" }).then((a) => {
      answered = true;
      return a;
    });
    await inReceive;
    // Barrier: a second request answered while the first is still inside receive().
    expect((await post(`/alerts/generic/${GENERIC_KEY}`, { summary: "second" })).status).toBe(202);
    expect(answered).toBe(false);
    release();
    expect((await pending).status).toBe(202);
  });

  it("503 with Retry-After when the database is unavailable; 500 for other failures", async () => {
    receiver.next = () =>
      Promise.reject(new UserError("The database is unavailable.", { code: "database.unavailable" }));
    const down = await post(`/alerts/generic/${GENERIC_KEY}`, { summary: "x" });
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("30");
    receiver.next = () => Promise.reject(Object.assign(new Error("connect"), { code: "ECONNREFUSED" }));
    expect(
      (await post("/v2/enqueue", { ...fixture("pagerduty-resolve.json"), routing_key: PD_KEY })).status,
    ).toBe(503);
    receiver.next = () => Promise.reject(new Error("bug"));
    const broken = await post(`/alerts/generic/${GENERIC_KEY}`, { summary: "x" });
    expect(broken.status).toBe(500);
    expect(JSON.stringify(broken.json)).not.toContain("bug");
  });

  it("a commit that stalls queues requests instead of refusing them, up to maxInFlight x 16", async () => {
    // The database holds every commit (a slow fsync): requests whose bodies were read wait.
    let open!: () => void;
    receiver.stall = new Promise<void>((resolve) => (open = resolve));
    const held = WAITING_PER_PLACE * 2; // maxInFlight is 2 here
    const posts = Array.from({ length: held }, (_, i) =>
      post(`/alerts/generic/${GENERIC_KEY}`, { summary: `queued ${i}`, dedup: `q${i}` }),
    );
    await until(
      () => receiver.waiting === held || undefined,
      `${held} requests waiting on the stalled commit`,
      {
        wakeOn: (wake) => {
          receiver.onWaiting = wake;
          return () => (receiver.onWaiting = undefined);
        },
      },
    );
    // The waiting room is full: the next is refused, with the documented Retry-After.
    const refused = await post(`/alerts/generic/${GENERIC_KEY}`, { summary: "one too many" });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("5");
    open();
    expect((await Promise.all(posts)).map((a) => a.status)).toEqual(Array(held).fill(202));
    expect(receiver.signals).toHaveLength(held);
    receiver.stall = undefined;
    expect((await post(`/alerts/generic/${GENERIC_KEY}`, { summary: "after" })).status).toBe(202);
  });

  it("429 with Retry-After when maxInFlight requests are being read", async () => {
    // Two senders trickle their bodies: each holds a reading place until its body is in.
    const body = JSON.stringify({ summary: "slow" });
    const head = `POST /alerts/generic/${GENERIC_KEY} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const slow = [0, 1].map(() => {
      const socket = connect(port, "127.0.0.1");
      let received = "";
      socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
      const closed = new Promise<string>((resolve) => socket.on("close", () => resolve(received)));
      socket.write(head + body.slice(0, 5));
      return { socket, closed };
    });
    await until(() => routes.inFlight() === 2 || undefined, "two requests being read");
    const third = await post(`/alerts/generic/${GENERIC_KEY}`, { summary: "3" });
    expect(third.status).toBe(429);
    expect(third.headers.get("retry-after")).toBe("5");
    for (const { socket } of slow) socket.write(body.slice(5));
    for (const { closed } of slow) expect(await closed).toMatch(/^HTTP\/1\.1 202/);
    expect((await post(`/alerts/generic/${GENERIC_KEY}`, { summary: "4" })).status).toBe(202);
  });

  it("413 past the body limit, declared or streamed", async () => {
    const big = JSON.stringify({ summary: "x", details: { blob: "b".repeat(200 * 1024) } });
    expect((await post(`/alerts/generic/${GENERIC_KEY}`, big)).status).toBe(413);
    const streamed = await rawRequest(
      port,
      `POST /alerts/generic/${GENERIC_KEY} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked`,
      `${`10000\r\n${"a".repeat(0x10000)}\r\n`.repeat(3)}0\r\n\r\n`,
    );
    expect(streamed.status).toBe(413);
  });

  it("415 for a content type it does not read", async () => {
    const answer = await post(`/alerts/generic/${GENERIC_KEY}`, "<xml/>", {
      "content-type": "application/xml",
    });
    expect(answer.status).toBe(415);
  });
});

describe("hostile bodies never crash the process", () => {
  const target = `/alerts/alertmanager/${AM_KEY}`;

  it("are refused or mapped safely, and the server still answers afterwards", async () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    expect((await post(target, deep)).status).toBe(400);
    expect((await post(target, "{not json")).json.message).toMatch(/not valid JSON/);
    expect((await post(target, "[]")).status).toBe(400);
    expect((await post(target, { groupKey: 5, alerts: [] })).json.field).toBe("groupKey");
    expect((await post(target, { groupKey: "g", alerts: "many" })).json.field).toBe("alerts");
    const invalidUtf8 = await rawRequest(
      port,
      `POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nConnection: close`,
      Buffer.from([0x22, 0xff, 0xfe, 0x22]),
    );
    expect(invalidUtf8.status).toBe(400);
    expect(invalidUtf8.text).toContain("not valid UTF-8");

    const huge = {
      groupKey: "huge",
      alerts: Array.from({ length: 3000 }, (_, i) => ({ fingerprint: `f${i}`, status: "firing" })),
    };
    expect((await post(target, huge)).status).toBe(202);
    expect(receiver.signals.at(-1)?.members).toHaveLength(1000);

    const polluting = `{"groupKey":"p","__proto__":{"polluted":"yes"},"commonLabels":{"__proto__":{"polluted":"yes"},"constructor":"c","severity":"critical"},"alerts":[{"fingerprint":"f","status":"firing","labels":{"toString":"x"}}]}`;
    expect((await post(target, polluting)).status).toBe(202);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(receiver.signals.at(-1)?.labels).toEqual({ constructor: "c", severity: "critical" });

    const wrongTypes = {
      groupKey: "w",
      commonLabels: { severity: ["critical"], n: 5 },
      commonAnnotations: "text",
      externalURL: 7,
      alerts: [
        null,
        3,
        "x",
        { fingerprint: {}, status: 9, labels: [], startsAt: "yesterday", generatorURL: "javascript:1" },
      ],
    };
    expect((await post(target, wrongTypes)).status).toBe(202);
    expect(receiver.signals.at(-1)).toMatchObject({
      labels: {},
      links: [],
      summary: expect.stringContaining("w"),
    });

    const longLabels = {
      groupKey: "l",
      commonLabels: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, "v".repeat(2000)])),
      alerts: [],
    };
    expect((await post(target, longLabels)).status).toBe(202);
    const labels = receiver.signals.at(-1)?.labels ?? {};
    expect(Object.keys(labels)).toHaveLength(64);
    expect(Math.max(...Object.values(labels).map((v) => v.length))).toBeLessThanOrEqual(1024);

    expect((await post(`/alerts/generic/${GENERIC_KEY}`, { summary: "still alive" })).status).toBe(202);
  });
});
