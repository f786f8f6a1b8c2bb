// Run in a Worker bounded like the HTTP edge thread (ACK_THREAD_LIMITS): a body of the largest
// size the configuration accepts (MAX_BODY_LIMIT_BYTES) holding as many values as the intake lets
// through (MAX_JSON_VALUES), in one of the shapes JSON parses into the most heap per byte, decoded, parsed and drafted as the edge does, three times over, beside
// `ballastMb` of live objects standing for a full waiting room. Reports the most heap the parse
// and the drafts held alive at once (after a full collection, the parsed tree still referenced).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parentPort, workerData } from "node:worker_threads";
import { decodeUtf8, PayloadError, parseJson } from "../../../src/alerts/intake/body.ts";
import { inertDraft } from "../../../src/alerts/intake/draft.ts";
import { genericDraft } from "../../../src/alerts/intake/generic.ts";
import { MAX_BODY_LIMIT_BYTES } from "../../../src/alerts/intake/limits.ts";
import { webhookGroupDraft } from "../../../src/alerts/intake/webhook-groups.ts";
import { MAX_JSON_VALUES } from "../../../src/chat/json-nesting.ts";

export type BodyShape =
  | "duplicate-index-keys"
  | "empty-objects"
  | "empty-arrays"
  | "bare-members"
  | "two-byte-text";
const { shape, ballastMb } = workerData as { shape: BodyShape; ballastMb: number };

/**
 * As many `unit`s as MAX_JSON_VALUES lets through (each counting `valuesPerUnit`), between
 * `open` and `close`, after a string that fills the body to MAX_BODY_LIMIT_BYTES: ASCII with one
 * character outside Latin-1, so V8 keeps the text and the parsed string at two bytes a character.
 */
function atTheLimits(open: string, unit: string, valuesPerUnit: number, close: string): string {
  const units = Array(Math.floor((MAX_JSON_VALUES - 16) / valuesPerUnit))
    .fill(unit)
    .join(",");
  const head = '{"groupKey":"g","pad":"';
  const rest = `ā",${open}${units}${close}}`;
  const padding = MAX_BODY_LIMIT_BYTES - Buffer.byteLength(head) - Buffer.byteLength(rest);
  return `${head}${"x".repeat(padding)}${rest}`;
}

const body = {
  // One object whose one index key is repeated: V8 sized its element store by the count.
  "duplicate-index-keys": () => atTheLimits('"alerts":[],"x":{', '"0":0', 1, "}"),
  "empty-objects": () => atTheLimits('"alerts":[],"x":[', "{}", 2, "]"),
  "empty-arrays": () => atTheLimits('"alerts":[],"x":[', "[]", 2, "]"),
  // Alerts without anything: each gets a member id hashed from its (empty) labels and position.
  "bare-members": () => atTheLimits('"alerts":[', "{}", 2, "]"),
  // Only text: the body's string and the parsed one, two bytes a character.
  "two-byte-text": () => atTheLimits('"alerts":[],"x":[', "0", 1, "]"),
}[shape]();
const raw = Buffer.from(body);
const now = new Date();

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
// Objects on the heap, as the drafts of a full waiting room are (not buffers: those are outside it).
gc();
const empty = process.memoryUsage().heapUsed;
const ballast: Array<Array<{ i: number }>> = [];
while (process.memoryUsage().heapUsed - empty < ballastMb * 1024 * 1024)
  ballast.push(Array.from({ length: 1000 }, (_, i) => ({ i })));
gc();
const before = process.memoryUsage().heapUsed;
let peak = 0;
const drafts: unknown[] = [];
function draftOr(make: () => unknown): unknown {
  try {
    return make();
  } catch (error) {
    if (error instanceof PayloadError) return error.message;
    throw error;
  }
}
/** What is alive now (the parsed tree is still referenced where this is called). */
const sample = () => {
  gc();
  peak = Math.max(peak, process.memoryUsage().heapUsed - before);
};
for (let round = 0; round < 3; round++) {
  const parsed = parseJson(decodeUtf8(raw));
  sample();
  // As the webhook and the generic endpoint draft it; a refusal (400) is an answer too.
  drafts.push(draftOr(() => inertDraft(webhookGroupDraft(parsed, "alertmanager", now))));
  sample();
  const details = (parsed as { x?: unknown }).x ?? {};
  drafts.push(draftOr(() => inertDraft(genericDraft({ summary: "s", details }, now))));
  sample();
}
parentPort?.postMessage({ bodyBytes: raw.length, peak, ballast: ballast.length, drafts: drafts.length });
