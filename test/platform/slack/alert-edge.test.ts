// Alert intake on the HTTP edge thread (the Slack ack thread, with Slack on HTTP): an alert post
// is key-checked, read and parsed there and handed to the main thread by message; the answer is
// sent only once the main thread's desk committed it (a main thread held in its commit, or
// blocked outright, leaves the sender waiting), 503 + Retry-After when the database is
// unavailable, 500 for any other failure; refusals the edge makes itself are counted in the main
// thread's metrics; a reload's new keys reach the edge.
import { Worker } from "node:worker_threads";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { registerAlertRoutes } from "../../../src/alerts/intake/routes.ts";
import type { AlertReceiver, AlertSignal } from "../../../src/alerts/signal.ts";
import { SLACK_EVENTS_PATH, type SlackPlatform } from "../../../src/chat/slack/slack-platform.ts";
import { systemClock } from "../../../src/clock.ts";
import type { Db } from "../../../src/db/database.ts";
import { Metrics } from "../../../src/http/metrics.ts";
import { HttpServer } from "../../../src/http/server.ts";
import { JobQueue } from "../../../src/jobs/queue.ts";
import { SlackWebApiDouble } from "../../doubles/slack-web-api.ts";
import { configWithIntegrations } from "../../support/alert-config.ts";
import { alertRequestsCounted, postJson, startSlackOnEdge } from "../../support/alert-edge.ts";
import { scaledDeadline, until } from "../../support/waiting.ts";
import { captureLog, SIGNING_SECRET } from "./harness.ts";

const AM_KEY = "a".repeat(40);
const NEW_KEY = "n".repeat(40);
const PD_KEY = "p".repeat(32);
let config = configWithIntegrations(`  - { id: prom, kind: alertmanager, team: csirt, key: ${AM_KEY} }
  - { id: pd, kind: pagerduty, team: csirt, key: ${PD_KEY} }
`);

/** Records signals; `next` decides how the next receive() ends (resolves at once by default). */
class RecordingReceiver implements AlertReceiver {
  signals: AlertSignal[] = [];
  started = 0;
  next: (() => Promise<void>) | undefined;
  async receive(signals: readonly AlertSignal[]): Promise<void> {
    this.started++;
    const next = this.next;
    this.next = undefined;
    if (next) await next();
    this.signals.push(...signals);
  }
}

function amBody(groupKey: string) {
  return JSON.stringify({
    version: "4",
    groupKey,
    status: "firing",
    receiver: "tocsin",
    alerts: [
      { status: "firing", fingerprint: "f1", labels: { alertname: "DiskFull", severity: "critical" } },
    ],
    commonLabels: { alertname: "DiskFull" },
  });
}

interface Edge {
  base: string;
  receiver: RecordingReceiver;
  metrics: Metrics;
  platform: SlackPlatform;
  handedOver: unknown[];
  reloaded(): void;
  close(): Promise<void>;
}

let edge: Edge | undefined;
afterEach(async () => {
  await edge?.close();
  edge = undefined;
});

async function startEdge(): Promise<Edge> {
  const slack = await SlackWebApiDouble.start();
  const captured = captureLog();
  const log = pino({ level: "silent" });
  const http = new HttpServer(captured.log);
  const receiver = new RecordingReceiver();
  const metrics = new Metrics();
  const clock = systemClock;
  const listeners: Array<() => void> = [];
  // Counts the requests the edge handed over (rather than forwarded as HTTP).
  const handOff = http.handOff.bind(http);
  const handedOver: unknown[] = [];
  http.handOff = (name, part) =>
    handOff(name, {
      ...part,
      handle: (request) => {
        handedOver.push(request);
        return part.handle(request);
      },
    });
  registerAlertRoutes(http, {
    config: () => config,
    onConfigChange: (listener) => listeners.push(listener),
    receiver,
    db: {} as Db,
    jobs: new JobQueue({} as Db, clock, log),
    clock,
    log,
    metrics,
  });
  const platform = await startSlackOnEdge(http, slack, captured.log, SIGNING_SECRET);
  const port = await http.listen(0, "127.0.0.1");
  return {
    base: `http://127.0.0.1:${port}`,
    receiver,
    metrics,
    platform,
    handedOver,
    reloaded: () => {
      for (const listener of listeners) listener();
    },
    async close() {
      await http.close();
      await platform.stop();
      await slack.close();
    },
  };
}

const post = postJson;
const counted = alertRequestsCounted;

describe("alert intake on the HTTP edge thread", () => {
  it("parses on the edge: the main thread gets the parsed alert by message and commits it", async () => {
    edge = await startEdge();
    const answer = await post(`${edge.base}/alerts/alertmanager/${AM_KEY}`, amBody("g-edge"));
    expect(answer.status).toBe(202);
    expect(await answer.json()).toMatchObject({ status: "success", dedup: "g-edge", action: "trigger" });
    expect(edge.receiver.signals).toMatchObject([
      { integrationId: "prom", dedupKey: "g-edge", members: [{ id: "f1", status: "firing" }] },
    ]);
    // The signal went through the integration's rules on the main thread (team, TLP defaults).
    expect(edge.receiver.signals[0]?.teamId).toBe("csirt");
    expect(edge.handedOver).toMatchObject([
      { endpoint: "alertmanager", integrationId: "prom", draft: { dedupKey: "g-edge" } },
    ]);
    expect(await counted(edge.metrics, "alertmanager", "accepted")).toBe(1);
  });

  it("answers only after the main thread committed, however long that takes", async () => {
    edge = await startEdge();
    const current = edge;
    let release: () => void = () => {};
    current.receiver.next = () => new Promise<void>((resolve) => (release = resolve));
    let answered = false;
    const pending = post(`${current.base}/alerts/alertmanager/${AM_KEY}`, amBody("g-held")).then((r) => {
      answered = true;
      return r;
    });
    // The main thread has the parsed alert and is in its commit.
    await until(() => current.receiver.started === 1, "the commit to start");
    // A barrier through the same edge and the main thread: an answer the edge had sent early
    // would have reached this client before this one.
    expect((await fetch(`${current.base}/nowhere`)).status).toBe(404);
    expect(answered).toBe(false);
    expect(current.receiver.signals).toEqual([]);
    release();
    const answer = await pending;
    expect(answer.status).toBe(202);
    expect(current.receiver.signals.map((s) => s.dedupKey)).toEqual(["g-held"]);
  });

  it("sends the answers one commit makes ready together in one message, each to its own sender", async () => {
    edge = await startEdge();
    const current = edge;
    // Five commits held, then all released in one turn: their answers are ready together.
    const holds: Array<() => void> = [];
    current.receiver.receive = async function hold(this: RecordingReceiver, signals) {
      this.started++;
      await new Promise<void>((resolve) => holds.push(resolve));
      this.signals.push(...signals);
    };
    const sent: unknown[] = [];
    const postMessage = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function recording(this: Worker, message: unknown, ...rest: never[]) {
      if ((message as { type?: string }).type?.startsWith("hand-off-answer")) sent.push(message);
      return postMessage.call(this, message, ...rest);
    };
    try {
      const keys = ["g-1", "g-2", "g-3", "g-4", "g-5"];
      const answers = keys.map((key) => post(`${current.base}/alerts/alertmanager/${AM_KEY}`, amBody(key)));
      await until(() => current.receiver.started === keys.length, "every commit to start");
      for (const release of holds) release();
      const bodies = await Promise.all(
        answers.map(async (pending) => {
          const answer = await pending;
          return { http: answer.status, ...((await answer.json()) as { dedup?: string }) };
        }),
      );
      expect(bodies.map((b) => [b.http, b.dedup])).toEqual(keys.map((key) => [202, key]));
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ type: "hand-off-answers" });
      expect((sent[0] as { answers: unknown[] }).answers).toHaveLength(keys.length);
    } finally {
      Worker.prototype.postMessage = postMessage;
    }
  });

  it("leaves the sender waiting while the main thread's event loop is blocked", async () => {
    edge = await startEdge();
    const current = edge;
    // flags[0]: the main thread blocks; flags[1]: the other thread saw the ack of a Slack check
    // sent after its alert was on the wire, and whether the alert was answered by then.
    const flags = new Int32Array(new SharedArrayBuffer(12));
    const sender = new Worker(
      `
      const { workerData, parentPort } = require("node:worker_threads");
      const flags = new Int32Array(workerData.flags);
      (async () => {
        while (Atomics.load(flags, 0) === 0) await Atomics.waitAsync(flags, 0, 0).value;
        let answered = false;
        const alert = fetch(workerData.alertUrl, {
          method: "POST", headers: { "content-type": "application/json" }, body: workerData.body,
        }).then(async (r) => { answered = true; return r.status; });
        // Answered by the edge itself (Slack's certificate check): the edge is running.
        const check = await fetch(workerData.slackUrl, {
          method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "ssl_check=1&token=x",
        });
        Atomics.store(flags, 2, answered ? 2 : check.status === 200 ? 1 : 3);
        Atomics.store(flags, 1, 1);
        Atomics.notify(flags, 1);
        parentPort.postMessage(await alert);
      })();
      `,
      {
        eval: true,
        workerData: {
          flags: flags.buffer,
          alertUrl: `${current.base}/alerts/alertmanager/${AM_KEY}`,
          slackUrl: `${current.base}${SLACK_EVENTS_PATH}`,
          body: amBody("g-blocked"),
        },
      },
    );
    const alertStatus = new Promise<number>((resolve, reject) => {
      sender.once("message", resolve);
      sender.once("error", reject);
    });
    Atomics.store(flags, 0, 1);
    Atomics.notify(flags, 0);
    const waited = Atomics.wait(flags, 1, 0, scaledDeadline(10_000));
    expect(waited).toBe("ok");
    // While this thread was blocked the alert was not answered (nothing committed it).
    expect(Atomics.load(flags, 2)).toBe(1);
    expect(await alertStatus).toBe(202);
    expect(current.receiver.signals.map((s) => s.dedupKey)).toEqual(["g-blocked"]);
    await sender.terminate();
  });

  it("answers 503 + Retry-After when the database is unavailable, 500 on another failure", async () => {
    edge = await startEdge();
    edge.receiver.next = () =>
      Promise.reject(Object.assign(new Error("connect refused"), { code: "ECONNREFUSED" }));
    const down = await post(`${edge.base}/alerts/alertmanager/${AM_KEY}`, amBody("g-down"));
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("30");
    expect(await down.json()).toMatchObject({ status: "error" });
    edge.receiver.next = () => Promise.reject(new Error("something else"));
    const failed = await post(`${edge.base}/v2/enqueue`, pagerDutyTrigger());
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ status: "invalid event" });
    expect(edge.receiver.signals).toEqual([]);
    expect(await counted(edge.metrics, "alertmanager", "unavailable")).toBe(1);
    expect(await counted(edge.metrics, "pagerduty", "error")).toBe(1);
  });

  it("refuses on the edge what needs no database, counted on the main thread", async () => {
    edge = await startEdge();
    const unknown = await post(`${edge.base}/alerts/alertmanager/${"z".repeat(40)}`, amBody("g"));
    expect(unknown.status).toBe(404);
    const bearer = await post(`${edge.base}/alerts/alertmanager`, amBody("g"), {
      authorization: `Bearer ${"z".repeat(40)}`,
    });
    expect([bearer.status, bearer.headers.get("www-authenticate")]).toEqual([401, "Bearer"]);
    const invalid = await post(`${edge.base}/alerts/alertmanager/${AM_KEY}`, "{");
    expect(invalid.status).toBe(400);
    const tooLarge = await post(`${edge.base}/alerts/alertmanager/${AM_KEY}`, "x".repeat(1024 * 1024 + 1));
    expect(tooLarge.status).toBe(413);
    const badEvent = await post(`${edge.base}/v2/enqueue`, JSON.stringify({ routing_key: "nope" }));
    expect(badEvent.status).toBe(400);
    expect(edge.receiver.started).toBe(0);
    // Counted where the metrics are (the notes are messages: wait for them to be taken).
    await until(async () => (await counted(edge!.metrics, "pagerduty", "invalid")) === 1, "the notes");
    expect(await counted(edge.metrics, "alertmanager", "unknown_key")).toBe(2);
    expect(await counted(edge.metrics, "alertmanager", "invalid")).toBe(1);
    expect(await counted(edge.metrics, "alertmanager", "too_large")).toBe(1);
  });

  it("takes the keys of a reloaded configuration", async () => {
    edge = await startEdge();
    const before = config;
    try {
      expect((await post(`${edge.base}/alerts/alertmanager/${NEW_KEY}`, amBody("g-new"))).status).toBe(404);
      config = configWithIntegrations(
        `  - { id: prom2, kind: alertmanager, team: csirt, key: ${NEW_KEY} }\n`,
      );
      edge.reloaded();
      const current = edge;
      const answer = await until(async () => {
        const attempt = await post(`${current.base}/alerts/alertmanager/${NEW_KEY}`, amBody("g-new"));
        return attempt.status === 202 ? attempt : undefined;
      }, "the new key to be taken");
      expect(answer.status).toBe(202);
      expect(edge.receiver.signals.map((s) => s.integrationId)).toEqual(["prom2"]);
      expect((await post(`${edge.base}/alerts/alertmanager/${AM_KEY}`, amBody("g-old"))).status).toBe(404);
    } finally {
      config = before;
    }
  });

  it("keeps heartbeats and other routes on the main thread's server", async () => {
    edge = await startEdge();
    // A heartbeat needs the database: the edge forwards it (an unknown key is refused there).
    const ping = await fetch(`${edge.base}/alerts/heartbeat/${"z".repeat(40)}/nightly`);
    expect(ping.status).toBe(404);
    const get = await fetch(`${edge.base}/alerts/alertmanager/${AM_KEY}`);
    expect(get.status).toBe(405);
  });
});

function pagerDutyTrigger(): string {
  return JSON.stringify({
    routing_key: PD_KEY,
    event_action: "trigger",
    dedup_key: "pd-1",
    payload: { summary: "Disk full", source: "db1", severity: "critical" },
  });
}
