// Alerts as the endpoints hand them to the desk (src/alerts/signal.ts), for the desk's tests.
import type { AlertSignal } from "../../../src/alerts/signal.ts";
import type { ConsoleDesk } from "../../support/console-desk.ts";

export function signal(overrides: Partial<AlertSignal> = {}): AlertSignal {
  return {
    integrationId: "prometheus",
    action: "trigger",
    dedupKey: "group-1",
    summary: "HighErrorRate on api-gateway",
    source: "https://alertmanager.example.org",
    severity: 2,
    tlp: "amber",
    teamId: "csirt",
    labels: { alertname: "HighErrorRate", instance: "api-1:9100" },
    links: [{ href: "https://grafana.example.org/d/api", text: "Dashboard" }],
    details: {},
    occurredAt: new Date("2026-03-10T08:59:00Z"),
    ...overrides,
  };
}

/** Receives the signals, then runs the jobs they made due; returns what was printed meanwhile. */
export async function receive(desk: ConsoleDesk, ...signals: AlertSignal[]): Promise<string> {
  await desk.printed();
  await desk.app.services.alerts.receive(signals);
  await desk.app.services.jobs.runDue();
  return desk.printed();
}
