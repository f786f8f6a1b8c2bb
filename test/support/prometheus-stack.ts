// Real monitoring for process tests: Debian's Prometheus scraping a gauge the test sets, with a
// rule that fires while the gauge is 1, and Debian's Alertmanager (prometheus-alertmanager)
// sending that alert to two receivers, a webhook and `pagerduty_configs` with a `url`. Both run
// as real processes in a temporary folder, on free loopback ports, with intervals of a second so
// an alert fires and resolves within a test's time. `.ci/run` installs both packages.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { freeLoopbackPort } from "../../src/db/embedded-postgres.ts";
import { until } from "./waiting.ts";

export const PROMETHEUS_BINARY = { path: "/usr/bin/prometheus", debianPackage: "prometheus" };
export const ALERTMANAGER_BINARY = {
  path: "/usr/bin/prometheus-alertmanager",
  debianPackage: "prometheus-alertmanager",
};

/** The metric the target exposes and the alert the rule raises while it is 1. */
export const GAUGE = "tocsin_test_backup_failed";
export const ALERT_NAME = "BackupFailed";

/** A scrape target whose one gauge the test sets. */
export interface GaugeTarget {
  port: number;
  set(value: number): void;
  /** How many times Prometheus has scraped it (a scrape after `set` proves it saw the value). */
  scrapes(): number;
  close(): Promise<void>;
}

export async function startGaugeTarget(): Promise<GaugeTarget> {
  let value = 0;
  let scrapes = 0;
  const server: Server = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    scrapes++;
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end(
      `# HELP ${GAUGE} 1 while the nightly backup is failing.\n# TYPE ${GAUGE} gauge\n${GAUGE} ${value}\n`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    set: (next) => {
      value = next;
    },
    scrapes: () => scrapes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A Prometheus or Alertmanager process. */
export interface MonitoringProcess {
  name: string;
  port: number;
  url: string;
  output(): string;
  /** Why it is not running, once it failed to start or exited. */
  failed(): string | undefined;
  stop(): Promise<void>;
}

function spawnMonitoring(
  name: string,
  binary: { path: string; debianPackage: string },
  args: string[],
  port: number,
): MonitoringProcess {
  const child: ChildProcessWithoutNullStreams = spawn(binary.path, args, {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  const keep = (chunk: Buffer) => {
    // Both log every few seconds; the tail is what explains a failure.
    out = (out + chunk.toString("utf8")).slice(-20_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let failed: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    // A missing binary: said once, in the words of what to do, instead of an unhandled error.
    child.once("error", (error) => {
      failed = `${name} could not start (${error.message}); install Debian's ${binary.debianPackage} package, as .ci/run does`;
      resolve();
    });
  });
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    failed: () => failed ?? (child.exitCode !== null ? `${name} exited (${child.exitCode})` : undefined),
    async stop() {
      if (failed || child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits for `/-/ready` to answer 200 (both servers have it), failing with the process's output. */
async function untilReady(server: MonitoringProcess): Promise<void> {
  await until(
    async () => {
      const failed = server.failed();
      if (failed) throw new Error(`${failed}\n${server.output()}`);
      const status = await fetch(`${server.url}/-/ready`, { signal: AbortSignal.timeout(2_000) })
        .then((answer) => answer.status)
        .catch(() => 0);
      return status === 200;
    },
    `${server.name} to be ready on ${server.url}`,
    { timeoutMs: 20_000, detail: () => `${server.name} output:\n${server.output()}` },
  );
}

export interface PrometheusOptions {
  dir: string;
  targetPort: number;
  alertmanagerPort: number;
}

/** Prometheus scraping the target every second and raising ALERT_NAME while the gauge is 1. */
export async function startPrometheus(options: PrometheusOptions): Promise<MonitoringProcess> {
  const dir = path.join(options.dir, "prometheus");
  await mkdir(path.join(dir, "data"), { recursive: true });
  await writeFile(
    path.join(dir, "rules.yml"),
    `groups:
  - name: tocsin-test
    interval: 1s
    rules:
      - alert: ${ALERT_NAME}
        expr: ${GAUGE} == 1
        for: 0s
        labels: { severity: critical, service: backups }
        annotations:
          summary: Nightly backup of db-1 failed
          description: The backup job exits non-zero.
          runbook_url: https://runbooks.example.org/backups
`,
  );
  await writeFile(
    path.join(dir, "prometheus.yml"),
    `global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [rules.yml]
alerting:
  alertmanagers:
    - static_configs: [{ targets: ["127.0.0.1:${options.alertmanagerPort}"] }]
scrape_configs:
  - job_name: backups
    static_configs: [{ targets: ["127.0.0.1:${options.targetPort}"] }]
`,
  );
  const port = await freeLoopbackPort();
  const server = spawnMonitoring(
    "Prometheus",
    PROMETHEUS_BINARY,
    [
      `--config.file=${path.join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Alerts' generatorURL names this address rather than the machine's host name.
      `--web.external-url=http://127.0.0.1:${port}/`,
      // A firing alert is sent again every second rather than every minute, and a resolved one
      // at once: a notification Alertmanager missed while starting is not waited for.
      "--rules.alert.resend-delay=1s",
      "--log.level=warn",
    ],
    port,
  );
  await untilReady(server);
  return server;
}

export interface AlertmanagerOptions {
  dir: string;
  /** The webhook receiver's url (Alertmanager webhook, payload version 4). */
  webhookUrl: string;
  /** The PagerDuty receiver's `url` (PagerDuty Events API v2) and its routing_key. */
  pagerDutyUrl: string;
  routingKey: string;
}

/**
 * Alertmanager grouping by alertname with one-second waits, both receivers routed with
 * `continue: true` so each alert group goes to both, resolved notifications included.
 */
export async function startAlertmanager(options: AlertmanagerOptions): Promise<MonitoringProcess> {
  const dir = path.join(options.dir, "alertmanager");
  await mkdir(path.join(dir, "data"), { recursive: true });
  await writeFile(
    path.join(dir, "alertmanager.yml"),
    `global: { resolve_timeout: 5s }
route:
  receiver: webhook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - { receiver: webhook, continue: true }
    - { receiver: pagerduty, continue: true }
receivers:
  - name: webhook
    webhook_configs:
      - url: ${JSON.stringify(options.webhookUrl)}
        send_resolved: true
  - name: pagerduty
    pagerduty_configs:
      - url: ${JSON.stringify(options.pagerDutyUrl)}
        routing_key: ${JSON.stringify(options.routingKey)}
        send_resolved: true
`,
  );
  const port = await freeLoopbackPort();
  const server = spawnMonitoring(
    "Alertmanager",
    ALERTMANAGER_BINARY,
    [
      `--config.file=${path.join(dir, "alertmanager.yml")}`,
      `--storage.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=http://127.0.0.1:${port}/`,
      // Empty: no gossip cluster (it would bind 0.0.0.0:9094, shared by every test run).
      "--cluster.listen-address=",
      "--log.level=warn",
    ],
    port,
  );
  await untilReady(server);
  return server;
}

/** The whole stack, started in order (Alertmanager first, so Prometheus has somewhere to send). */
export interface PrometheusStack {
  target: GaugeTarget;
  alertmanager: MonitoringProcess;
  prometheus: MonitoringProcess;
  /** Output of both, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export async function startPrometheusStack(
  options: Omit<AlertmanagerOptions, "dir"> & { dir: string },
): Promise<PrometheusStack> {
  const target = await startGaugeTarget();
  const alertmanager = await startAlertmanager(options);
  let prometheus: MonitoringProcess;
  try {
    prometheus = await startPrometheus({
      dir: options.dir,
      targetPort: target.port,
      alertmanagerPort: alertmanager.port,
    });
  } catch (error) {
    await alertmanager.stop();
    await target.close();
    throw error;
  }
  return {
    target,
    alertmanager,
    prometheus,
    output: () =>
      `Prometheus output:\n${prometheus.output()}\nAlertmanager output:\n${alertmanager.output()}`,
    async stop() {
      await prometheus.stop();
      await alertmanager.stop();
      await target.close();
    },
  };
}
