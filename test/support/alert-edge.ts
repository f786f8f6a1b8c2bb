// Alert intake behind the HTTP edge thread (Slack on HTTP owns the port): a receiver whose
// commits a test can hold, the Slack double, the routes' in-flight count. For attack tests on
// the edge (test/attack/edge-*.test.ts).
import pino, { type Logger } from "pino";
import { registerAlertRoutes } from "../../src/alerts/intake/routes.ts";
import type { AlertReceiver, AlertSignal } from "../../src/alerts/signal.ts";
import { SlackPlatform } from "../../src/chat/slack/slack-platform.ts";
import { systemClock } from "../../src/clock.ts";
import type { Db } from "../../src/db/database.ts";
import { Metrics } from "../../src/http/metrics.ts";
import { HttpServer } from "../../src/http/server.ts";
import { JobQueue } from "../../src/jobs/queue.ts";
import { SlackWebApiDouble } from "../doubles/slack-web-api.ts";
import { configWithIntegrations } from "./alert-config.ts";
import { captureLog } from "./waiting.ts";

export const EDGE_SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
export const AM_KEY = "a".repeat(40);
export const PD_KEY = "p".repeat(32);

/** Records signals; while `held` is set, every commit waits for it. */
export class HoldingReceiver implements AlertReceiver {
  signals: AlertSignal[] = [];
  started = 0;
  held: Promise<void> | undefined;
  async receive(signals: readonly AlertSignal[]): Promise<void> {
    this.started++;
    if (this.held) await this.held;
    this.signals.push(...signals);
  }
}

export interface AlertEdge {
  base: string;
  port: number;
  receiver: HoldingReceiver;
  metrics: Metrics;
  platform: SlackPlatform;
  /** Alert requests held now, on either thread (the shared pools). */
  inFlight(): number;
  logs: ReturnType<typeof captureLog>["entries"];
  close(): Promise<void>;
}

export async function startAlertEdge(
  options: { maxInFlight?: number; maxBufferedBytes?: number } = {},
): Promise<AlertEdge> {
  const slack = await SlackWebApiDouble.start();
  const captured = captureLog();
  const log = pino({ level: "silent" });
  const http = new HttpServer(captured.log);
  const receiver = new HoldingReceiver();
  const metrics = new Metrics();
  const config = configWithIntegrations(`  - { id: prom, kind: alertmanager, team: csirt, key: ${AM_KEY} }
  - { id: pd, kind: pagerduty, team: csirt, key: ${PD_KEY} }
`);
  const routes = registerAlertRoutes(http, {
    config: () => config,
    receiver,
    db: {} as Db,
    jobs: new JobQueue({} as Db, systemClock, log),
    clock: systemClock,
    log,
    metrics,
    limits: { maxInFlight: options.maxInFlight },
    maxBufferedBytes: options.maxBufferedBytes,
  });
  const platform = await startSlackOnEdge(http, slack, captured.log);
  const port = await http.listen(0, "127.0.0.1");
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    receiver,
    metrics,
    platform,
    inFlight: () => routes.inFlight(),
    logs: captured.entries,
    async close() {
      await http.close();
      await platform.stop();
      await slack.close();
    },
  };
}

export function alertmanagerBody(groupKey: string): string {
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

/**
 * Slack on HTTP on `http`, against `slack`: its ack thread takes the port when `http` listens
 * (the HTTP edge of the alert endpoints), answering every command with a fixed text.
 */
export async function startSlackOnEdge(
  http: HttpServer,
  slack: SlackWebApiDouble,
  log: Logger,
  signingSecret = EDGE_SIGNING_SECRET,
): Promise<SlackPlatform> {
  const platform = new SlackPlatform({
    botToken: slack.botToken,
    signingSecret,
    apiUrl: slack.apiUrl,
    http,
    log,
  });
  await platform.start(async () => "answered here");
  return platform;
}

/** A JSON post. */
export function postJson(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
}

/** Alert requests counted in the main thread's metrics, by endpoint and outcome. */
export async function alertRequestsCounted(
  metrics: Metrics,
  endpoint: string,
  outcome: string,
): Promise<number> {
  const values = (await metrics.alertRequests.get()).values;
  return values.find((v) => v.labels.endpoint === endpoint && v.labels.outcome === outcome)?.value ?? 0;
}
