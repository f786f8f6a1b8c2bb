// Run in a Worker bounded like the HTTP edge thread (ACK_THREAD_LIMITS): parses one body shape
// again and again as the edge does (decode, parse, draft, inert), charges each draft as
// requests.ts does (held-bytes.ts) and admits it into a real waiting room (InFlightPools.enter +
// wait, as edge.ts does), keeping every admitted draft as a request waiting on a stalled commit
// does, until the room refuses one. Reports how many it holds, their charges, and the heap they
// take (after a full collection, against one before the first).
import { parentPort, workerData } from "node:worker_threads";
import { decodeUtf8, parseJson } from "../../../src/alerts/intake/body.ts";
import { type AlertDraft, inertDraft } from "../../../src/alerts/intake/draft.ts";
import { genericDraft } from "../../../src/alerts/intake/generic.ts";
import { heldBytesOf } from "../../../src/alerts/intake/held-bytes.ts";
import { InFlightPools } from "../../../src/alerts/intake/in-flight.ts";
import { webhookGroupDraft } from "../../../src/alerts/intake/webhook-groups.ts";
import { collectGarbage } from "../../support/collect-garbage.ts";

export type Shape =
  | "details-objects"
  | "details-arrays"
  | "members-bare"
  | "members-real"
  | "labels-indices"
  | "details-duplicate-indices"
  | "details-index-chains"
  | "details-nul-index-chains"
  | "details-nul-duplicate-indices";
const { shape, maxInFlight } = workerData as { shape: Shape; maxInFlight: number };

/** Under the 64 KB details cap: as many `{}` or `[]` as fit. */
function detailsOf(unit: string): string {
  const units = Math.floor((64 * 1024 - 200) / (unit.length + 1));
  return `{"summary":"s","details":{"a":[${Array(units).fill(unit).join(",")}]}}`;
}

function realMembers(): string {
  const alerts = Array.from({ length: 1000 }, (_, i) => ({
    status: "firing",
    fingerprint: `f${i.toString(16).padStart(15, "0")}`,
    labels: { alertname: "HostDown", instance: `host-${i}.example.org:9100`, job: "node" },
  }));
  return JSON.stringify({ version: "4", groupKey: "g", status: "firing", alerts });
}

const body = {
  "details-objects": () => detailsOf("{}"),
  "details-arrays": () => detailsOf("[]"),
  // No fingerprint: each member gets an id hashed from its (empty) labels and position.
  "members-bare": () => `{"groupKey":"g","alerts":[${Array(1000).fill("{}").join(",")}]}`,
  "members-real": realMembers,
  // Label and annotation names that are array indices: built key by key, each object got an
  // element store of 3,880 slots (31 KB), 43 of them per draft (the second review's shape).
  "labels-indices": () => {
    const labels = '{"1023":"","2575":""}';
    const alert = `{"status":"firing","labels":${labels},"annotations":${labels}}`;
    return `{"groupKey":"g","groupLabels":${labels},"commonLabels":${labels},"commonAnnotations":${labels},"alerts":[${Array(20).fill(alert).join(",")}]}`;
  },
  // An index key repeated: JSON.parse sized the object's elements by the count with duplicates
  // (1,179,647 slots, 9 MB) while only two values survive.
  "details-duplicate-indices": () => `{"summary":"s","details":{"a":{${'"0":0,'.repeat(43691)}"1179646":0}}}`,
  // Chains of one index key each: a 35-slot element store per object.
  "details-index-chains": () => {
    const chain = `${'{"34":'.repeat(28)}0${"}".repeat(28)}`;
    const count = Math.floor((64 * 1024 - 300) / (chain.length + 1));
    return `{"summary":"s","details":{"a":[${Array(count).fill(chain).join(",")}]}}`;
  },
  // Keys that become indices once their NUL is cleaned (`"34\\u0000"`): cleaned at intake, so
  // the draft is charged for the tree it keeps (the third review's shape).
  "details-nul-index-chains": () => {
    const chain = `${'{"34\\u0000":'.repeat(20)}0${"}".repeat(20)}`;
    const count = Math.floor((64 * 1024 - 300) / (chain.length + 1));
    return `{"summary":"s","details":{"a":[${Array(count).fill(chain).join(",")}]}}`;
  },
  // Distinct keys that are one index once their NULs are removed (`"5\\u000000"`, `"50\\u00000"`):
  // duplicates again after the cleaning (the fourth review). The cleaned text is parsed twice
  // for them (storable-json.ts); this shape stays within its charge with or without that second
  // parse on this V8, so it guards the room's bound, not the second parse itself.
  "details-nul-duplicate-indices": () => {
    // 20 spellings of "500" (1-5 NULs in one of its 4 gaps): one key, an element store of 501.
    const nul = "\\u0000";
    const spellings = Array.from({ length: 20 }, (_, i) => {
      const gap = i % 4;
      return `"${"500".slice(0, gap)}${nul.repeat(1 + Math.floor(i / 4))}${"500".slice(gap)}":0`;
    });
    const object = `{${spellings.join(",")}}`;
    const count = Math.floor((64 * 1024 - 300) / (object.length + 1));
    return `{"summary":"s","details":{"a":[${Array(count).fill(object).join(",")}]}}`;
  },
}[shape]();
const raw = Buffer.from(body);
const now = new Date();
const draftOf = (value: unknown): AlertDraft =>
  shape.startsWith("details") ? genericDraft(value, now) : webhookGroupDraft(value, "alertmanager", now);

collectGarbage();
const before = process.memoryUsage().heapUsed;
const pools = new InFlightPools(maxInFlight);
const waiting: AlertDraft[] = [];
let charged = 0;
for (;;) {
  const place = pools.enter("keyed");
  if (!place) break;
  const draft = draftOf(parseJson(decodeUtf8(raw)));
  const held = heldBytesOf(draft, raw.length);
  if (!place.wait(held)) {
    place.leave();
    break;
  }
  waiting.push(inertDraft(draft));
  charged += held;
}
collectGarbage();
const heapUsed = process.memoryUsage().heapUsed;
parentPort?.postMessage({
  held: waiting.length,
  bodyBytes: raw.length,
  charged,
  heapUsed,
  grew: heapUsed - before,
});
