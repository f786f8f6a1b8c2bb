// What an endpoint makes of one sender's alert before the integration's rules apply, the caps
// every field goes through, and the rules turning it into an AlertSignal.
//
// Caps: a field a sender cannot have meant (a 2 KB label name) is cut, not refused, for webhook
// senders (Alertmanager and Grafana drop a notification answered with a 4xx, and a lost page is
// worse than a cut label); PagerDuty and generic senders get a 400 naming the field where the
// PagerDuty documentation states a limit (summary 1024, dedup_key 255).
import { createHash } from "node:crypto";
import { inertText } from "../../chat/inert-text.ts";
import type { TlpLabel } from "../../incidents/tlp.ts";
import { firstMatchingRule, MAX_LABEL_VALUE, renderSummary, stricterTlp } from "../integration-rules.ts";
import type { Integration } from "../integrations.ts";
import type { AlertAction, AlertLink, AlertSignal } from "../signal.ts";
import { parseStorableJson } from "../storable-json.ts";
import { isRecord } from "./body.ts";

export const MAX_SUMMARY = 1024;
export const MAX_DEDUP_KEY = 255;
export const MAX_LABELS = 64;
export const MAX_LABEL_NAME = 128;
export const MAX_LINKS = 20;
export const MAX_LINK_HREF = 2048;
export const MAX_LINK_TEXT = 256;
export const MAX_SOURCE = 1024;
/** Details (custom_details, annotations, per-alert labels) over this, serialised, are replaced. */
export const MAX_DETAILS_BYTES = 64 * 1024;
export const MAX_MEMBERS = 1000;

export interface AlertDraft {
  action: AlertAction;
  dedupKey: string;
  members?: Array<{ id: string; status: "firing" | "resolved" }>;
  summary: string;
  source?: string;
  /** The sender's severity mapped to 1..4; undefined when it gave none tocsin understands. */
  severity?: number;
  /** A label the sender asked for (generic endpoint); it can only make the integration's stricter. */
  tlp?: TlpLabel;
  rsitType?: string;
  labels: Record<string, string>;
  links: AlertLink[];
  details: Record<string, unknown>;
  occurredAt: Date;
}

const SEVERITY_WORDS: Record<string, number> = {
  critical: 1,
  crit: 1,
  fatal: 1,
  emergency: 1,
  disaster: 1,
  p1: 1,
  sev1: 1,
  high: 2,
  error: 2,
  major: 2,
  p2: 2,
  sev2: 2,
  warning: 3,
  warn: 3,
  medium: 3,
  moderate: 3,
  average: 3,
  p3: 3,
  sev3: 3,
  info: 4,
  informational: 4,
  low: 4,
  minor: 4,
  notice: 4,
  debug: 4,
  p4: 4,
  sev4: 4,
};

/** critical→1, error/high→2, warning/medium→3, info/low→4, "1".."4" as themselves. */
export function mapSeverity(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 4) return value;
  if (typeof value !== "string") return undefined;
  const word = value.trim().toLowerCase();
  if (/^[1-4]$/.test(word)) return Number(word);
  return Object.hasOwn(SEVERITY_WORDS, word) ? SEVERITY_WORDS[word] : undefined;
}

/**
 * Whether `text` holds more than `max` characters (code points), counted without building
 * anything and only as far as needed: `Array.from(text).length` made an array of every
 * character, 64 MB for a 4 MB string (the attack review of 2026-12-01).
 */
export function longerThan(text: string, max: number): boolean {
  if (text.length <= max) return false;
  // A code point is one or two UTF-16 units.
  if (text.length > 2 * max) return true;
  let points = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    if (++points > max) return true;
  }
  return false;
}

/** Cut to `max` characters (code points), with an ellipsis when cut. */
export function cut(text: string, max: number): string {
  if (!longerThan(text, max)) return text;
  // The first max - 1 code points lie within the first 2 * max units.
  return `${Array.from(text.slice(0, 2 * max))
    .slice(0, max - 1)
    .join("")}…`;
}

/** A dedup key within 255 characters: a longer one (a long groupKey) becomes its SHA-256. */
export function fitDedupKey(key: string): string {
  return key.length <= MAX_DEDUP_KEY ? key : `sha256:${createHash("sha256").update(key).digest("hex")}`;
}

/**
 * String labels from a sender's object: non-string values skipped, names and values cut, at most
 * MAX_LABELS (sorted by name, so the same labels always keep the same ones).
 */
export function capLabels(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  // One pass, sorted only when not already (a webhook's labels mostly come sorted): a chain of
  // filter, map, sort and slice, run several times per alert of every post, was most of the
  // edge thread's garbage. Same result: string values, names cut, sorted by name, the first
  // MAX_LABELS.
  const entries: Array<[string, string]> = [];
  let sorted = true;
  for (const name in value) {
    const text = value[name];
    if (!Object.hasOwn(value, name) || typeof text !== "string" || name === "" || isArrayIndex(name))
      continue;
    const entry: [string, string] = [cut(name, MAX_LABEL_NAME), cut(text, MAX_LABEL_VALUE)];
    const last = entries[entries.length - 1];
    if (last && last[0] > entry[0]) sorted = false;
    entries.push(entry);
  }
  if (!sorted) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length > MAX_LABELS) entries.length = MAX_LABELS;
  return Object.fromEntries(entries);
}

/** http(s) links only (no `javascript:`), cut and at most MAX_LINKS; later duplicates dropped. */
export function capLinks(links: Iterable<{ href: unknown; text?: unknown }>): AlertLink[] {
  const out: AlertLink[] = [];
  const seen = new Set<string>();
  for (const link of links) {
    if (out.length >= MAX_LINKS) break;
    if (typeof link.href !== "string" || link.href.length > MAX_LINK_HREF) continue;
    const url = URL.parse(link.href);
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || seen.has(url.href)) continue;
    seen.add(url.href);
    const text =
      typeof link.text === "string" && link.text.trim() !== ""
        ? cut(link.text.trim(), MAX_LINK_TEXT)
        : undefined;
    out.push(text === undefined ? { href: link.href } : { href: link.href, text });
  }
  return out;
}

/**
 * Details when small enough, rebuilt from their cleaned JSON where they hold an index key or an
 * escape; else undefined, with their size. Rebuilt, not kept as parsed: V8's JSON.parse sizes an
 * object's element store by its index keys counted with their duplicates (`{"0":0,"0":0,...,
 * "1179646":0}` in 384 KB of body held 9.4 MB), and the serialisation has none. Cleaned here as
 * the commit would (no NUL, no lone surrogate: storable-json.ts), so the tree the draft holds
 * and is charged for is the one stored: a key `"34\u0000"` no longer becomes an index only at
 * the commit (the attack reviews of 2026-12-01).
 */
export function detailsWithin(details: Record<string, unknown>): {
  details?: Record<string, unknown>;
  size: number;
} {
  const json = JSON.stringify(details);
  const size = Buffer.byteLength(json);
  if (size > MAX_DETAILS_BYTES) return { size };
  if (!INDEX_KEY.test(json) && !json.includes("\\u")) return { details, size };
  return { details: parseStorableJson(json) as Record<string, unknown>, size };
}

/** A key that may be an array index, in JSON text (a false match only costs a rebuild). */
const INDEX_KEY = /"(?:0|[1-9][0-9]{0,9})":/;

/** Details as given (rebuilt) when small enough; else a note saying they were removed (as Alertmanager does). */
export function capDetails(details: Record<string, unknown>): Record<string, unknown> {
  const within = detailsWithin(details);
  return (
    within.details ?? {
      truncated: `details removed: ${Math.ceil(within.size / 1024)} KB exceeds the ${MAX_DETAILS_BYTES / 1024} KB limit`,
    }
  );
}

/**
 * A name that is an array index ("0" to "4294967294"). As a label or annotation name it is
 * dropped: V8 keeps such keys as elements, whose store it sizes by the largest index
 * (`{"1023":"","2575":""}` built key by key held 31 KB; 43 such objects per webhook draft, 1.3 MB
 * for 1.9 KB of body), and no Prometheus or Grafana label or annotation name starts with a digit.
 */
export function isArrayIndex(name: string): boolean {
  const first = name.charCodeAt(0);
  if (!(first >= 48 && first <= 57) || name.length > 10 || (first === 48 && name.length > 1)) return false;
  for (let i = 1; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return Number(name) < 4294967295;
}

/** An ISO 8601 time, or undefined (Alertmanager's zero time `0001-01-01T00:00:00Z` too). */
export function parseTime(value: unknown): Date | undefined {
  if (typeof value !== "string" || value.length > 64) return undefined;
  const time = Date.parse(value);
  if (!Number.isFinite(time) || time < Date.UTC(1971, 0, 1)) return undefined;
  return new Date(time);
}

/** What of an integration makes a draft its signal (plain data: the edge thread gets it too). */
export type SignalIntegration = Pick<Integration, "id" | "rules" | "tlp" | "severity" | "team">;

/** The draft through the integration's rules (first match wins): the signal for the desk. */
export function toSignal(integration: SignalIntegration, sent: AlertDraft): AlertSignal {
  return signalOf(integration, inertDraft(sent));
}

/** toSignal of a draft already made inert (on the edge thread, see edge.ts). */
export function signalOf(integration: SignalIntegration, draft: AlertDraft): AlertSignal {
  const rule = firstMatchingRule(integration.rules, draft.labels);
  const set = rule?.set ?? {};
  // The originator's label is never lowered by a recipient's rule: it can only make it stricter.
  const configured = set.tlp ?? integration.tlp;
  const tlp = draft.tlp ? stricterTlp(configured, draft.tlp) : configured;
  const summary =
    set.summary !== undefined ? cut(renderSummary(set.summary, draft.labels), MAX_SUMMARY) : draft.summary;
  const signal: AlertSignal = {
    integrationId: integration.id,
    action: draft.action,
    dedupKey: draft.dedupKey,
    summary,
    severity: set.severity ?? draft.severity ?? integration.severity,
    tlp,
    teamId: set.team ?? integration.team,
    labels: draft.labels,
    links: draft.links,
    details: draft.details,
    occurredAt: draft.occurredAt,
  };
  if (draft.members) signal.members = draft.members;
  if (draft.source !== undefined) signal.source = draft.source;
  const rsitType = set.class ?? draft.rsitType;
  if (rsitType !== undefined) signal.rsitType = rsitType;
  if (rule?.declare) signal.declare = { severity: rule.declare.severity };
  return signal;
}

/**
 * What chat shows of the draft, made inert like anything people type (src/chat/inert-text.ts):
 * a sender's text cannot carry the private-use characters of the bot's own live mentions, nor
 * bidi overrides or invisible characters. Rules then match what people will read.
 */
export function inertDraft(draft: AlertDraft): AlertDraft {
  const inert: AlertDraft = {
    ...draft,
    summary: inertText(draft.summary),
    labels: Object.fromEntries(
      Object.entries(draft.labels)
        .map(([name, value]) => [inertText(name), inertText(value)])
        .filter(([name]) => name !== "" && !isArrayIndex(name as string)),
    ),
    links: draft.links.map((link) =>
      link.text === undefined
        ? { href: inertText(link.href) }
        : { href: inertText(link.href), text: inertText(link.text) },
    ),
  };
  if (draft.source !== undefined) inert.source = inertText(draft.source);
  return inert;
}
