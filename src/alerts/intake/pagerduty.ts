// PagerDuty Events API v2 (`POST /v2/enqueue`), so Alertmanager's `pagerduty_configs` with a
// `url` and every tool with a "PagerDuty" integration can send to tocsin. Checked as PagerDuty
// documents it: routing_key, event_action trigger/acknowledge/resolve, dedup_key at most 255
// characters (generated on a trigger without one, and returned), payload.summary (at most 1024),
// source and severity (critical, error, warning, info) required on a trigger. Invalid events get
// PagerDuty's 400 body, with every problem listed in `errors`. Images are kept as links.
import { randomUUID } from "node:crypto";
import { isRecord } from "./body.ts";
import {
  type AlertDraft,
  capDetails,
  capLinks,
  cut,
  longerThan,
  MAX_DEDUP_KEY,
  MAX_SOURCE,
  MAX_SUMMARY,
  mapSeverity,
  parseTime,
} from "./draft.ts";

export const PAGERDUTY_SEVERITIES = ["critical", "error", "warning", "info"] as const;

/** An event PagerDuty would refuse: answered 400 with PagerDuty's body and these errors. */
export class InvalidEvent extends Error {
  readonly errors: string[];
  constructor(errors: string[]) {
    super(errors.join("; "));
    this.name = "InvalidEvent";
    this.errors = errors;
  }
}

/**
 * The event's draft; throws InvalidEvent listing every problem. Its routing_key, on /v2/enqueue,
 * is checked before this (requests.ts).
 */
export function pagerDutyEvent(body: unknown, now: Date): AlertDraft {
  if (!isRecord(body)) throw new InvalidEvent(["Event object must be a JSON object"]);
  const errors: string[] = [];
  const action = body.event_action;
  if (action !== "trigger" && action !== "acknowledge" && action !== "resolve") {
    errors.push("'event_action' is missing or invalid (trigger, acknowledge or resolve)");
  }
  let dedupKey = body.dedup_key;
  if (dedupKey !== undefined && dedupKey !== null && typeof dedupKey !== "string") {
    errors.push("'dedup_key' must be a string");
  } else if (typeof dedupKey === "string" && dedupKey.length > MAX_DEDUP_KEY) {
    errors.push(`'dedup_key' is longer than ${MAX_DEDUP_KEY} characters`);
  } else if (typeof dedupKey !== "string" || dedupKey === "") {
    if (action === "trigger") dedupKey = randomUUID();
    else if (action !== undefined) errors.push("'dedup_key' is required to acknowledge or resolve");
  }

  const payload = isRecord(body.payload) ? body.payload : undefined;
  const summary = payload?.summary;
  const source = payload?.source;
  const severityWord = payload?.severity;
  if (action === "trigger") {
    if (!payload) errors.push("'payload' is required to trigger");
    else {
      if (typeof summary !== "string" || summary.trim() === "") errors.push("'payload.summary' is required");
      else if (longerThan(summary, MAX_SUMMARY))
        errors.push(`'payload.summary' is longer than ${MAX_SUMMARY} characters`);
      if (typeof source !== "string" || source.trim() === "") errors.push("'payload.source' is required");
      if (
        typeof severityWord !== "string" ||
        !(PAGERDUTY_SEVERITIES as readonly string[]).includes(severityWord)
      ) {
        errors.push(`'payload.severity' must be one of ${PAGERDUTY_SEVERITIES.join(", ")}`);
      }
    }
  }
  const customDetails = payload?.custom_details;
  if (customDetails !== undefined && customDetails !== null && !isRecord(customDetails)) {
    errors.push("'payload.custom_details' must be an object");
  }
  if (body.links !== undefined && !Array.isArray(body.links)) errors.push("'links' must be an array");
  if (body.images !== undefined && !Array.isArray(body.images)) errors.push("'images' must be an array");
  if (errors.length > 0) throw new InvalidEvent(errors);

  const labels: Record<string, string> = {};
  for (const name of ["severity", "source", "component", "group", "class"] as const) {
    const value = payload?.[name];
    if (typeof value === "string" && value !== "") labels[name] = cut(value, 1024);
  }
  const links = capLinks([
    ...(Array.isArray(body.links)
      ? body.links.filter(isRecord).map((l) => ({ href: l.href, text: l.text }))
      : []),
    ...(Array.isArray(body.images)
      ? body.images
          .filter(isRecord)
          .map((image) => ({ href: image.href ?? image.src, text: image.alt ?? "Image" }))
      : []),
    ...(typeof body.client_url === "string"
      ? [{ href: body.client_url, text: body.client ?? "Sender" }]
      : []),
  ]);
  const details: Record<string, unknown> = isRecord(customDetails) ? { ...customDetails } : {};
  if (typeof body.client === "string") details.client = cut(body.client, 256);

  const draft: AlertDraft = {
    action: action as AlertDraft["action"],
    dedupKey: dedupKey as string,
    // A trigger's summary was refused past MAX_SUMMARY; an acknowledge's or resolve's is cut.
    summary:
      typeof summary === "string" && summary.trim() !== ""
        ? cut(summary, MAX_SUMMARY)
        : `${action} ${dedupKey as string}`,
    ...(typeof source === "string" && source !== "" ? { source: cut(source, MAX_SOURCE) } : {}),
    ...(mapSeverity(severityWord) !== undefined ? { severity: mapSeverity(severityWord) } : {}),
    labels,
    links,
    details: capDetails(details),
    occurredAt: parseTime(payload?.timestamp) ?? now,
  };
  return draft;
}
