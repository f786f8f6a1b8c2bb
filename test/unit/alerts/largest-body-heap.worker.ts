// Run in a Worker bounded like the HTTP edge thread (ACK_THREAD_LIMITS), beside `ballastMb` of
// live objects (a full waiting room and more): a body of the largest size the configuration
// accepts (MAX_BODY_LIMIT_BYTES), holding as many values as the intake lets through
// (MAX_JSON_VALUES) or as many form fields (MAX_FORM_FIELDS), in one of the shapes that take the
// most heap per byte, decoded, parsed and drafted by every endpoint's draft as the edge does,
// three times over. The thread surviving is the proof (whatever a call holds while it runs, under
// its bound); it also reports the most heap held alive at once between the steps (after a full
// collection, the parsed body still referenced), and whether one value more is refused.
import { parentPort, workerData } from "node:worker_threads";
import {
  decodeUtf8,
  MAX_FORM_FIELDS,
  PayloadError,
  parseForm,
  parseJson,
} from "../../../src/alerts/intake/body.ts";
import { inertDraft } from "../../../src/alerts/intake/draft.ts";
import { genericDraft } from "../../../src/alerts/intake/generic.ts";
import { MAX_BODY_LIMIT_BYTES } from "../../../src/alerts/intake/limits.ts";
import { InvalidEvent, pagerDutyEvent } from "../../../src/alerts/intake/pagerduty.ts";
import { webhookGroupDraft } from "../../../src/alerts/intake/webhook-groups.ts";
import { MAX_JSON_VALUES } from "../../../src/chat/json-nesting.ts";
import { collectGarbage } from "../../support/collect-garbage.ts";

export type BodyShape =
  | "duplicate-index-keys"
  | "empty-objects"
  | "empty-arrays"
  | "bare-members"
  | "two-byte-text"
  | "duplicate-index-keys-then-large"
  | "form-fields"
  | "form-spaces";
const { shape, ballastMb } = workerData as { shape: BodyShape; ballastMb: number };

/** ASCII with one character outside Latin-1: V8 keeps such text at two bytes a character. */
const twoByte = (units: number) => `${"x".repeat(units - 1)}\u0101`;

/**
 * `count` `unit`s between `open` and `close`, after a summary that fills the body to
 * MAX_BODY_LIMIT_BYTES (the webhook, generic and PagerDuty drafts each read one of its fields).
 */
function jsonBody(open: string, unit: string, count: number, close: string): string {
  const units = Array(count).fill(unit).join(",");
  const head = '{"groupKey":"g","event_action":"acknowledge","dedup_key":"d","summary":"';
  const rest = `","payload":{"summary":"s","custom_details":{"x":${open}${units}${close}}},${open.startsWith("{") ? '"alerts":[]' : `"alerts":${open}${units}${close}`}}`;
  // twoByte(n) is n + 1 bytes of UTF-8.
  return `${head}${twoByte(MAX_BODY_LIMIT_BYTES - Buffer.byteLength(head) - Buffer.byteLength(rest) - 1)}${rest}`;
}

/**
 * Units that keep the whole body within MAX_JSON_VALUES (a unit is one value; the body's own
 * values are under 32), written in `places` places (array units also go in as the alerts).
 */
const fits = (places: number) => Math.floor((MAX_JSON_VALUES - 32) / places);

const bodyOf = (extra: number): string =>
  ({
    // One object whose one index key is repeated: V8 sized its element store by the count.
    "duplicate-index-keys": () => jsonBody("{", '"0":0', fits(1) + extra, "}"),
    // The same, then one large index: the second review's element store, at the value cap.
    "duplicate-index-keys-then-large": () => jsonBody("{", '"0":0', fits(1) + extra, ',"4500000":0}'),
    "empty-objects": () => jsonBody("[", "{}", fits(2) + extra, "]"),
    "empty-arrays": () => jsonBody("[", "[]", fits(2) + extra, "]"),
    // Alerts without anything: each gets a member id hashed from its (empty) labels and position.
    "bare-members": () => jsonBody("[", "{}", fits(2) + extra, "]"),
    // Only text: the body's string and the parsed ones, two bytes a character.
    "two-byte-text": () => jsonBody("[", "0", fits(2) + extra, "]"),
    // A form of as many fields as are read, one of them filling the body.
    "form-fields": () => {
      // action, dedup, summary and these: MAX_FORM_FIELDS (+ extra).
      const fields = Array.from({ length: MAX_FORM_FIELDS - 3 + extra }, (_, i) => `${i}=`).join("&");
      const head = `action=acknowledge&dedup=d&${fields}&summary=`;
      // The summary encoded: its x's a byte each, its last character %C4%81.
      return `${head}${encodeURIComponent(twoByte(MAX_BODY_LIMIT_BYTES - head.length - 5))}`;
    },
    // A summary of `+`: each a space once decoded (replaceAll built a piece per `+`).
    "form-spaces": () => {
      const fields = Array.from({ length: MAX_FORM_FIELDS - 3 + extra }, (_, i) => `${i}=`).join("&");
      const head = `action=acknowledge&dedup=d&${fields}&summary=`;
      return `${head}${"+".repeat(MAX_BODY_LIMIT_BYTES - head.length)}`;
    },
  })[shape]();

const parse = (text: string) => (shape.startsWith("form") ? parseForm(text) : parseJson(text));
const raw = Buffer.from(bodyOf(0));
// A few values (or fields) more than are read: refused before they are parsed.
let refusedOneMore = false;
try {
  parse(bodyOf(40));
} catch (error) {
  refusedOneMore = error instanceof PayloadError && /more than/.test(error.message);
}
const now = new Date();

collectGarbage();
const empty = process.memoryUsage().heapUsed;
const ballast: Array<Array<{ i: number }>> = [];
while (process.memoryUsage().heapUsed - empty < ballastMb * 1024 * 1024)
  ballast.push(Array.from({ length: 1000 }, (_, i) => ({ i })));
collectGarbage();
const before = process.memoryUsage().heapUsed;
let peak = 0;
const drafts: unknown[] = [];
/** A draft, or the refusal (400) an endpoint would answer. */
function draftOr(make: () => unknown): unknown {
  try {
    return make();
  } catch (error) {
    if (error instanceof PayloadError || error instanceof InvalidEvent) return error.message;
    throw error;
  }
}
/** What is alive now (the parsed body is still referenced where this is called). */
const sample = () => {
  collectGarbage();
  peak = Math.max(peak, process.memoryUsage().heapUsed - before);
};
for (let round = 0; round < 3; round++) {
  const parsed = parse(decodeUtf8(raw));
  sample();
  drafts.push(draftOr(() => inertDraft(webhookGroupDraft(parsed, "alertmanager", now))));
  sample();
  drafts.push(draftOr(() => inertDraft(genericDraft(parsed, now))));
  sample();
  drafts.push(draftOr(() => inertDraft(pagerDutyEvent(parsed, now))));
  sample();
}
parentPort?.postMessage({
  bodyBytes: raw.length,
  peak,
  refusedOneMore,
  ballast: ballast.length,
  drafts: drafts.length,
});
