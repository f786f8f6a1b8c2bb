// Alertmanager's webhook (payload version 4) and Grafana's unified alerting webhook, which
// shares its shape: one notification is one group of alerts. The group is one alert in tocsin
// (dedupKey = groupKey), its members are the group's alerts by fingerprint with their status,
// so the desk resolves it when every member is resolved and updates it as members come and go.
import { createHash } from "node:crypto";
import { isRecord, PayloadError } from "./body.ts";
import {
  type AlertDraft,
  capDetails,
  capLabels,
  capLinks,
  cut,
  fitDedupKey,
  MAX_MEMBERS,
  MAX_SOURCE,
  MAX_SUMMARY,
  mapSeverity,
  parseTime,
} from "./draft.ts";

/** Alerts of a group described one by one in details (the rest are counted). */
const DETAILED_ALERTS = 20;

export type WebhookSender = "alertmanager" | "grafana";

export function webhookGroupDraft(body: unknown, sender: WebhookSender, now: Date): AlertDraft {
  if (!isRecord(body)) throw new PayloadError("the body must be a JSON object");
  const groupKey = body.groupKey;
  if (typeof groupKey !== "string" || groupKey === "") {
    throw new PayloadError("groupKey is required (a string)", { field: "groupKey" });
  }
  if (!Array.isArray(body.alerts))
    throw new PayloadError("alerts is required (an array)", { field: "alerts" });
  const alerts = body.alerts.filter(isRecord).slice(0, MAX_MEMBERS);
  const commonLabels = capLabels(body.commonLabels);
  const commonAnnotations = capLabels(body.commonAnnotations);

  const members = alerts.map((alert) => ({
    id: memberId(alert),
    status: alert.status === "resolved" ? ("resolved" as const) : ("firing" as const),
  }));
  const firing = alerts.filter((alert) => alert.status !== "resolved");
  const resolved = body.status === "resolved" || (alerts.length > 0 && firing.length === 0);

  const first = alerts[0];
  const firstAnnotations = capLabels(first?.annotations);
  const firstLabels = capLabels(first?.labels);
  const alertname = commonLabels.alertname ?? firstLabels.alertname;
  let summary = commonAnnotations.summary ?? firstAnnotations.summary ?? alertname;
  if (summary !== undefined && commonAnnotations.summary === undefined && alerts.length > 1) {
    summary = `${summary} (and ${alerts.length - 1} more)`;
  }
  summary ??= `${sender === "grafana" ? "Grafana" : "Alertmanager"} alert group ${cut(groupKey, 64)}`;

  const severities = (firing.length > 0 ? firing : alerts)
    .map((alert) => mapSeverity(capLabels(alert.labels).severity))
    .filter((s): s is number => s !== undefined);
  const severity =
    mapSeverity(commonLabels.severity) ?? (severities.length ? Math.min(...severities) : undefined);

  const externalURL = typeof body.externalURL === "string" ? body.externalURL : undefined;
  const links = capLinks([
    ...(externalURL ? [{ href: externalURL, text: sender === "grafana" ? "Grafana" : "Alertmanager" }] : []),
    ...(commonAnnotations.runbook_url ? [{ href: commonAnnotations.runbook_url, text: "Runbook" }] : []),
    ...alerts.flatMap((alert) => alertLinks(alert)),
  ]);

  const starts = firing.map((alert) => parseTime(alert.startsAt)).filter((d): d is Date => d !== undefined);
  const occurredAt = starts.length ? new Date(Math.min(...starts.map((d) => d.getTime()))) : now;

  const details = capDetails({
    receiver: typeof body.receiver === "string" ? cut(body.receiver, 256) : undefined,
    groupLabels: capLabels(body.groupLabels),
    commonAnnotations,
    truncatedAlerts: typeof body.truncatedAlerts === "number" ? body.truncatedAlerts : 0,
    alerts: alerts.slice(0, DETAILED_ALERTS).map((alert, index) => alertDetails(alert, members[index]?.id)),
    moreAlerts: Math.max(0, alerts.length - DETAILED_ALERTS),
  });

  return {
    action: resolved ? "resolve" : "trigger",
    dedupKey: fitDedupKey(groupKey),
    members,
    summary: cut(summary, MAX_SUMMARY),
    ...(externalURL ? { source: cut(externalURL, MAX_SOURCE) } : {}),
    ...(severity !== undefined ? { severity } : {}),
    labels: commonLabels,
    links,
    details,
    occurredAt,
  };
}

/** The alert's fingerprint; without one, a digest of its labels (same labels, same member). */
function memberId(alert: Record<string, unknown>): string {
  if (typeof alert.fingerprint === "string" && alert.fingerprint !== "") return cut(alert.fingerprint, 128);
  const labels = capLabels(alert.labels);
  return `labels:${createHash("sha256").update(JSON.stringify(labels)).digest("hex").slice(0, 16)}`;
}

function alertLinks(alert: Record<string, unknown>): Array<{ href: unknown; text: string }> {
  const annotations = capLabels(alert.annotations);
  return [
    { href: alert.generatorURL, text: "Source" },
    { href: alert.dashboardURL, text: "Dashboard" },
    { href: alert.panelURL, text: "Panel" },
    { href: annotations.runbook_url, text: "Runbook" },
    { href: alert.silenceURL, text: "Silence" },
  ].filter((link) => typeof link.href === "string" && link.href !== "");
}

function alertDetails(alert: Record<string, unknown>, id: string | undefined): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    fingerprint: id,
    status: alert.status === "resolved" ? "resolved" : "firing",
    labels: capLabels(alert.labels),
    annotations: capLabels(alert.annotations),
  };
  const startsAt = parseTime(alert.startsAt);
  const endsAt = parseTime(alert.endsAt);
  if (startsAt) entry.startsAt = startsAt.toISOString();
  if (endsAt) entry.endsAt = endsAt.toISOString();
  if (typeof alert.valueString === "string") entry.valueString = cut(alert.valueString, 1024);
  return entry;
}
