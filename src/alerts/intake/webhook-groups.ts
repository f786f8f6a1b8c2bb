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

/**
 * An alert of the group, its labels and annotations capped when first read: each is read up to
 * three times (severity, links, details), and capping them anew each time was most of the
 * draft's garbage.
 */
interface GroupAlert {
  raw: Record<string, unknown>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const labelsOf = (alert: GroupAlert) => {
  alert.labels ??= capLabels(alert.raw.labels);
  return alert.labels;
};

const annotationsOf = (alert: GroupAlert) => {
  alert.annotations ??= capLabels(alert.raw.annotations);
  return alert.annotations;
};

export function webhookGroupDraft(body: unknown, sender: WebhookSender, now: Date): AlertDraft {
  if (!isRecord(body)) throw new PayloadError("the body must be a JSON object");
  const groupKey = body.groupKey;
  if (typeof groupKey !== "string" || groupKey === "") {
    throw new PayloadError("groupKey is required (a string)", { field: "groupKey" });
  }
  if (!Array.isArray(body.alerts))
    throw new PayloadError("alerts is required (an array)", { field: "alerts" });
  const alerts: GroupAlert[] = [];
  for (const raw of body.alerts) {
    if (alerts.length >= MAX_MEMBERS) break;
    if (isRecord(raw)) alerts.push({ raw });
  }
  const commonLabels = capLabels(body.commonLabels);
  const commonAnnotations = capLabels(body.commonAnnotations);

  const members = alerts.map((alert) => ({
    id: memberId(alert),
    status: alert.raw.status === "resolved" ? ("resolved" as const) : ("firing" as const),
  }));
  const firing = alerts.filter((alert) => alert.raw.status !== "resolved");
  const resolved = body.status === "resolved" || (alerts.length > 0 && firing.length === 0);

  const first = alerts[0];
  const firstAnnotations = first ? annotationsOf(first) : {};
  const firstLabels = first ? labelsOf(first) : {};
  const alertname = commonLabels.alertname ?? firstLabels.alertname;
  let summary = commonAnnotations.summary ?? firstAnnotations.summary ?? alertname;
  if (summary !== undefined && commonAnnotations.summary === undefined && alerts.length > 1) {
    summary = `${summary} (and ${alerts.length - 1} more)`;
  }
  summary ??= `${sender === "grafana" ? "Grafana" : "Alertmanager"} alert group ${cut(groupKey, 64)}`;

  let severity = mapSeverity(commonLabels.severity);
  if (severity === undefined) {
    for (const alert of firing.length > 0 ? firing : alerts) {
      const mapped = mapSeverity(labelsOf(alert).severity);
      if (mapped !== undefined && (severity === undefined || mapped < severity)) severity = mapped;
    }
  }

  const externalURL = typeof body.externalURL === "string" ? body.externalURL : undefined;
  const links = capLinks(
    groupLinks(
      externalURL
        ? { href: externalURL, text: sender === "grafana" ? "Grafana" : "Alertmanager" }
        : undefined,
      commonAnnotations.runbook_url,
      alerts,
    ),
  );

  let occurredAt: Date | undefined;
  for (const alert of firing) {
    const startsAt = parseTime(alert.raw.startsAt);
    if (startsAt && (occurredAt === undefined || startsAt < occurredAt)) occurredAt = startsAt;
  }

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
    occurredAt: occurredAt ?? now,
  };
}

/** The alert's fingerprint; without one, a digest of its labels (same labels, same member). */
function memberId(alert: GroupAlert): string {
  const { fingerprint } = alert.raw;
  if (typeof fingerprint === "string" && fingerprint !== "") return cut(fingerprint, 128);
  return `labels:${createHash("sha256")
    .update(JSON.stringify(labelsOf(alert)))
    .digest("hex")
    .slice(0, 16)}`;
}

/**
 * The group's link candidates in order: the sender's, the common runbook, then each alert's.
 * Generated as capLinks takes them, so a group of a thousand alerts stops at the links kept.
 */
function* groupLinks(
  sender: { href: string; text: string } | undefined,
  runbook: string | undefined,
  alerts: readonly GroupAlert[],
): Generator<{ href: unknown; text: string }> {
  if (sender) yield sender;
  if (runbook) yield { href: runbook, text: "Runbook" };
  for (const alert of alerts) {
    const { raw } = alert;
    const candidates = [
      { href: raw.generatorURL, text: "Source" },
      { href: raw.dashboardURL, text: "Dashboard" },
      { href: raw.panelURL, text: "Panel" },
      { href: annotationsOf(alert).runbook_url, text: "Runbook" },
      { href: raw.silenceURL, text: "Silence" },
    ];
    for (const link of candidates) if (typeof link.href === "string" && link.href !== "") yield link;
  }
}

function alertDetails(alert: GroupAlert, id: string | undefined): Record<string, unknown> {
  const { raw } = alert;
  const entry: Record<string, unknown> = {
    fingerprint: id,
    status: raw.status === "resolved" ? "resolved" : "firing",
    labels: labelsOf(alert),
    annotations: annotationsOf(alert),
  };
  const startsAt = parseTime(raw.startsAt);
  const endsAt = parseTime(raw.endsAt);
  if (startsAt) entry.startsAt = startsAt.toISOString();
  if (endsAt) entry.endsAt = endsAt.toISOString();
  if (typeof raw.valueString === "string") entry.valueString = cut(raw.valueString, 1024);
  return entry;
}
