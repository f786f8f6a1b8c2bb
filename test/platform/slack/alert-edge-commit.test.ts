// Alert intake committed on the HTTP edge thread (Slack on HTTP owns the port, the desk runs on
// the system's clock): the edge parses, maps by the integration's rules and commits on a pool of
// its own, and answers without the main thread; the main thread only hears what was answered
// (metrics) and that a page job is due (its queue is woken). Against a real PostgreSQL.
import { Worker } from "node:worker_threads";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { registerAlertRoutes } from "../../../src/alerts/intake/routes.ts";
import type { AlertReceiver } from "../../../src/alerts/signal.ts";
import { systemClock } from "../../../src/clock.ts";
import { connectPrisma } from "../../../src/db/database.ts";
import { Metrics } from "../../../src/http/metrics.ts";
import { HttpServer } from "../../../src/http/server.ts";
import { JobQueue } from "../../../src/jobs/queue.ts";
import type { OncallConfig } from "../../../src/oncall/config.ts";
import { createTestDatabase, type TestDatabase } from "../../database.ts";
import { SlackWebApiDouble } from "../../doubles/slack-web-api.ts";
import { configWithIntegrations } from "../../support/alert-config.ts";
import { alertRequestsCounted, postJson, startSlackOnEdge } from "../../support/alert-edge.ts";
import { scaledDeadline, until } from "../../support/waiting.ts";
import { SIGNING_SECRET } from "./harness.ts";

const AM_KEY = "a".repeat(40);
const NEW_KEY = "n".repeat(40);

/** The main thread's own writer: never used for what the edge commits. */
class MainThreadReceiver implements AlertReceiver {
  received = 0;
  async receive(): Promise<void> {
    this.received++;
  }
}

interface Edge {
  base: string;
  db: TestDatabase;
  metrics: Metrics;
  main: MainThreadReceiver;
  kicks(): number;
  reload(config: OncallConfig): void;
  /** A reload as far as the main thread: its configuration swapped, its setup not yet at the edge. */
  reloadNotYetAtEdge(config: OncallConfig): void;
  close(): Promise<void>;
}

let edge: Edge | undefined;
afterEach(async () => {
  await edge?.close();
  edge = undefined;
});

async function startEdge(options: { databaseUrl?: string } = {}): Promise<Edge> {
  const db = await createTestDatabase();
  // The routes' database: the test's, or one nobody listens on (the edge then cannot connect).
  const routesDb = options.databaseUrl ? connectPrisma(options.databaseUrl, 1, 2000) : db.prisma;
  const slack = await SlackWebApiDouble.start();
  const log = pino({ level: "silent" });
  const http = new HttpServer(log);
  const metrics = new Metrics();
  const main = new MainThreadReceiver();
  const jobs = new JobQueue(db.prisma, systemClock, log);
  let kicks = 0;
  jobs.kick = () => {
    kicks++;
  };
  let config = configWithIntegrations(`  - { id: prom, kind: alertmanager, team: csirt, key: ${AM_KEY} }\n`);
  const listeners: Array<() => void> = [];
  registerAlertRoutes(http, {
    config: () => config,
    onConfigChange: (listener) => listeners.push(listener),
    receiver: main,
    db: routesDb,
    jobs,
    clock: systemClock,
    log,
    metrics,
  });
  const platform = await startSlackOnEdge(http, slack, log, SIGNING_SECRET);
  const port = await http.listen(0, "127.0.0.1");
  return {
    base: `http://127.0.0.1:${port}`,
    db,
    metrics,
    main,
    kicks: () => kicks,
    reload(next) {
      config = next;
      for (const listener of listeners) listener();
    },
    reloadNotYetAtEdge(next) {
      config = next;
      // The routes' own listener (registered first) raises the shared generation; the edge
      // thread's (which posts the new setup) is not called.
      listeners[0]?.();
    },
    async close() {
      await http.close();
      await platform.stop();
      await slack.close();
      if (routesDb !== db.prisma) await routesDb.$disconnect();
      await db.close();
    },
  };
}

function amBody(groupKey: string, labels: Record<string, string> = {}): string {
  return JSON.stringify({
    version: "4",
    groupKey,
    status: "firing",
    receiver: "tocsin",
    alerts: [
      {
        status: "firing",
        fingerprint: "f1",
        labels: { alertname: "DiskFull", severity: "critical", ...labels },
        annotations: { summary: "Disk almost full" },
      },
    ],
    commonLabels: { alertname: "DiskFull", ...labels },
  });
}

const post = (url: string, body: string) => postJson(url, body);
const counted = (metrics: Metrics, outcome: string) => alertRequestsCounted(metrics, "alertmanager", outcome);

describe("alert intake committed on the HTTP edge thread", () => {
  it("stores the alert and its page job there, then tells the main thread (metrics, a job due)", async () => {
    edge = await startEdge();
    const answer = await post(`${edge.base}/alerts/alertmanager/${AM_KEY}`, amBody("g-edge"));
    expect(answer.status).toBe(202);
    expect(await answer.json()).toMatchObject({ status: "success", dedup: "g-edge", action: "trigger" });
    // Committed before the answer: the row and its page job are there now.
    const [alert] = await edge.db.prisma.alert.findMany({ where: { dedupKey: "g-edge" } });
    expect(alert).toMatchObject({ integrationId: "prom", status: "firing", teamId: "csirt", tlp: "amber" });
    const jobs = await edge.db.prisma.job.findMany({ where: { key: `alert:${alert?.id}:open` } });
    expect(jobs).toHaveLength(1);
    // The main thread's writer was not on the way; it hears of the answer and of the page job.
    expect(edge.main.received).toBe(0);
    const current = edge;
    await until(async () => (await counted(current.metrics, "accepted")) === 1, "the accepted count");
    await until(() => current.kicks() === 1, "the job queue to be woken for the page");
  });

  it("answers while the main thread's event loop is blocked", async () => {
    edge = await startEdge();
    // flags[0]: this thread is blocked; flags[1]: the sender has its answer (its status in [2]).
    const flags = new Int32Array(new SharedArrayBuffer(12));
    const sender = new Worker(
      `
      const { workerData } = require("node:worker_threads");
      const flags = new Int32Array(workerData.flags);
      (async () => {
        while (Atomics.load(flags, 0) === 0) await Atomics.waitAsync(flags, 0, 0).value;
        const answer = await fetch(workerData.url, {
          method: "POST", headers: { "content-type": "application/json" }, body: workerData.body,
        });
        Atomics.store(flags, 2, answer.status);
        Atomics.store(flags, 1, 1);
        Atomics.notify(flags, 1);
      })();
      `,
      {
        eval: true,
        workerData: {
          flags: flags.buffer,
          url: `${edge.base}/alerts/alertmanager/${AM_KEY}`,
          body: amBody("g-blocked"),
        },
      },
    );
    try {
      Atomics.store(flags, 0, 1);
      Atomics.notify(flags, 0);
      // Blocked here until the answer came: committed and answered without this thread.
      expect(Atomics.wait(flags, 1, 0, scaledDeadline(15_000))).toBe("ok");
      expect(Atomics.load(flags, 2)).toBe(202);
      expect(await edge.db.prisma.alert.count({ where: { dedupKey: "g-blocked" } })).toBe(1);
    } finally {
      await sender.terminate();
    }
  });

  it("maps alerts by the rules of a reloaded configuration", async () => {
    edge = await startEdge();
    edge.reload(
      configWithIntegrations(`  - id: prom
    kind: alertmanager
    team: csirt
    key: ${AM_KEY}
    rules:
      - { match: { env: prod }, set: { severity: 1, tlp: red, class: system-compromise } }
`),
    );
    const current = edge;
    // The new setup reaches the edge by message: until it is there, alerts still map by the old one.
    await until(async () => {
      const answer = await post(
        `${current.base}/alerts/alertmanager/${AM_KEY}`,
        amBody("g-rules", { env: "prod" }),
      );
      expect(answer.status).toBe(202);
      const alert = await current.db.prisma.alert.findFirst({ where: { dedupKey: "g-rules" } });
      return alert?.tlp === "red" ? alert : undefined;
    }, "the reloaded rules to apply on the edge");
    const alert = await edge.db.prisma.alert.findFirst({ where: { dedupKey: "g-rules" } });
    expect(alert).toMatchObject({ severity: 1, tlp: "red", rsitType: "system-compromise" });
  });

  it("hands alerts to the main thread while its setup is stale: a rotated key is refused from the reload on", async () => {
    edge = await startEdge();
    // Same key, another label: while the edge's setup is stale, the main thread commits (its writer).
    edge.reloadNotYetAtEdge(
      configWithIntegrations(`  - { id: prom, kind: alertmanager, team: csirt, tlp: red, key: ${AM_KEY} }\n`),
    );
    const handed = await post(`${edge.base}/alerts/alertmanager/${AM_KEY}`, amBody("g-stale"));
    expect(handed.status).toBe(202);
    expect(edge.main.received).toBe(1);
    edge.reloadNotYetAtEdge(
      configWithIntegrations(`  - { id: prom, kind: alertmanager, team: csirt, key: ${NEW_KEY} }\n`),
    );
    // The edge still knows the old key, but its setup is stale: the main thread decides, by the
    // configuration in use, and the old key is no longer the integration's.
    const old = await post(`${edge.base}/alerts/alertmanager/${AM_KEY}`, amBody("g-old-key"));
    expect(old.status).toBe(404);
    expect(await edge.db.prisma.alert.count({ where: { dedupKey: "g-old-key" } })).toBe(0);
    expect(edge.main.received).toBe(1);
    // Once the setup is there, the edge commits again, with the new key.
    edge.reload(
      configWithIntegrations(`  - { id: prom, kind: alertmanager, team: csirt, key: ${NEW_KEY} }\n`),
    );
    const current = edge;
    await until(async () => {
      const answer = await post(`${current.base}/alerts/alertmanager/${NEW_KEY}`, amBody("g-new-key"));
      return answer.status === 202;
    }, "the new key to be taken on the edge");
    expect(await edge.db.prisma.alert.count({ where: { dedupKey: "g-new-key" } })).toBe(1);
    expect(edge.main.received).toBe(1);
  });

  it("answers 503 + Retry-After when its pool cannot reach the database", async () => {
    edge = await startEdge({ databaseUrl: "postgresql://tocsin:x@127.0.0.1:9/nowhere" });
    const answer = await post(`${edge.base}/alerts/alertmanager/${AM_KEY}`, amBody("g-down"));
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("30");
    expect(await answer.json()).toMatchObject({ status: "error" });
    expect(edge.main.received).toBe(0);
    const current = edge;
    await until(async () => (await counted(current.metrics, "unavailable")) === 1, "the unavailable count");
  });
});
