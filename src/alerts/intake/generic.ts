// The generic endpoint, for scripts, SIEM and IDS rules: JSON or an urlencoded form with
// summary (required), details, dedup (generated and returned when absent), action (trigger;
// close or resolve; ack or acknowledge), severity (1-4 or critical/high/medium/low/...), tlp (can
// only make the integration's label stricter), class (an RSIT type), source, links and labels.
import { randomUUID } from "node:crypto";
import { parseRsitType } from "../../incidents/taxonomy.ts";
import { parseTlp } from "../../incidents/tlp.ts";
import { MAX_LABEL_VALUE } from "../integration-rules.ts";
import { isRecord, PayloadError } from "./body.ts";
import {
  type AlertDraft,
  capLinks,
  cut,
  detailsWithin,
  isArrayIndex,
  longerThan,
  MAX_DEDUP_KEY,
  MAX_LABEL_NAME,
  MAX_LABELS,
  MAX_SOURCE,
  MAX_SUMMARY,
  mapSeverity,
  parseTime,
} from "./draft.ts";

const ACTIONS: Record<string, AlertDraft["action"]> = {
  trigger: "trigger",
  open: "trigger",
  fire: "trigger",
  firing: "trigger",
  ack: "acknowledge",
  acknowledge: "acknowledge",
  close: "resolve",
  resolve: "resolve",
  resolved: "resolve",
};

function optionalString(body: Record<string, unknown>, field: string, max: number): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new PayloadError(`${field} must be a string`, { field });
  if (longerThan(value, max)) throw new PayloadError(`${field} is longer than ${max} characters`, { field });
  return value;
}

export function genericDraft(body: unknown, now: Date): AlertDraft {
  if (!isRecord(body)) throw new PayloadError("the body must be a JSON object or a form");
  const actionWord = optionalString(body, "action", 32)?.toLowerCase() ?? "trigger";
  const action = Object.hasOwn(ACTIONS, actionWord) ? ACTIONS[actionWord] : undefined;
  if (!action)
    throw new PayloadError(
      `action must be trigger, acknowledge or close/resolve, not "${cut(actionWord, 32)}"`,
      { field: "action" },
    );
  const dedup = optionalString(body, "dedup", MAX_DEDUP_KEY);
  if (!dedup && action !== "trigger")
    throw new PayloadError(`dedup is required to ${action}`, { field: "dedup" });
  const summary = optionalString(body, "summary", MAX_SUMMARY);
  if (!summary && action === "trigger") throw new PayloadError("summary is required", { field: "summary" });

  let severity: number | undefined;
  if (body.severity !== undefined && body.severity !== null && body.severity !== "") {
    severity = mapSeverity(body.severity);
    if (severity === undefined) {
      throw new PayloadError(
        "severity must be 1-4 or critical, high, medium, low (or error, warning, info)",
        { field: "severity" },
      );
    }
  }
  const tlpText = optionalString(body, "tlp", 32);
  const tlp = tlpText === undefined ? undefined : parseTlp(tlpText);
  if (tlpText !== undefined && !tlp)
    throw new PayloadError("tlp must be clear, green, amber, amber+strict or red", { field: "tlp" });
  const classText = optionalString(body, "class", 128);
  const rsitType = classText === undefined ? undefined : parseRsitType(classText)?.id;
  if (classText !== undefined && !rsitType)
    throw new PayloadError(`class "${classText}" is not an RSIT type`, { field: "class" });

  let details: Record<string, unknown> = {};
  if (isRecord(body.details)) details = { ...body.details };
  else if (typeof body.details === "string" && body.details !== "") details = { text: body.details };
  else if (body.details !== undefined && body.details !== null)
    throw new PayloadError("details must be an object or a string", { field: "details" });
  const within = detailsWithin(details).details;
  if (!within) throw new PayloadError("details are larger than 64 KB", { field: "details" });

  const source = optionalString(body, "source", MAX_SOURCE);
  return {
    action,
    dedupKey: dedup ?? randomUUID(),
    summary: summary ?? `${action} ${dedup}`,
    ...(source ? { source } : {}),
    ...(severity !== undefined ? { severity } : {}),
    ...(tlp ? { tlp } : {}),
    ...(rsitType ? { rsitType } : {}),
    labels: genericLabels(body.labels),
    links: capLinks(genericLinks(body.links)),
    details: within,
    occurredAt: parseTime(body.timestamp) ?? now,
  };
}

function genericLabels(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new PayloadError("labels must be an object of strings", { field: "labels" });
  const entries = Object.entries(value);
  if (entries.length > MAX_LABELS)
    throw new PayloadError(`labels has more than ${MAX_LABELS} entries`, { field: "labels" });
  for (const [name, v] of entries) {
    if (isArrayIndex(name))
      throw new PayloadError(`labels.${name}: a label name must not be a number`, { field: "labels" });
    if (typeof v !== "string")
      throw new PayloadError(`labels.${cut(name, 64)} must be a string`, { field: "labels" });
    if (name.length > MAX_LABEL_NAME || v.length > MAX_LABEL_VALUE) {
      throw new PayloadError(
        `labels.${cut(name, 64)} is longer than allowed (name ${MAX_LABEL_NAME}, value ${MAX_LABEL_VALUE})`,
        { field: "labels" },
      );
    }
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** links: ["https://..."] or [{href, text}] (a form repeats `links=`). */
function genericLinks(value: unknown): Array<{ href: unknown; text?: unknown }> {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => (isRecord(item) ? { href: item.href, text: item.text } : { href: item }));
}
