// Run in a Worker bounded like the HTTP edge thread (ACK_THREAD_LIMITS): `count` generic posts
// whose details hold many objects keyed by array indices and one NUL (which PostgreSQL refuses,
// so the commit rebuilds the signal: store.ts storable), parsed and drafted as the edge does,
// then handed to storeSignals on a driver that never answers (a commit in flight). storable runs
// before the batch's first statement, so once storeSignals has been called the rebuilt signals
// are what the thread holds. Reports the heap after a full collection.
import { parentPort, workerData } from "node:worker_threads";
import { decodeUtf8, parseJson } from "../../../src/alerts/intake/body.ts";
import { inertDraft, signalOf } from "../../../src/alerts/intake/draft.ts";
import { genericDraft } from "../../../src/alerts/intake/generic.ts";
import { handedAlert, parsedFromHand } from "../../../src/alerts/intake/requests.ts";
import type { Integration } from "../../../src/alerts/integrations.ts";
import { storeSignals } from "../../../src/alerts/store.ts";
import type { Sql } from "../../../src/db/sql.ts";
import { collectGarbage } from "../../support/collect-garbage.ts";

const { count, handOff } = workerData as { count: number; handOff?: boolean };
const objects = Math.floor((64 * 1024 - 300) / '{"1023":0,"2575":0},'.length);
const body = `{"summary":"s","details":{"z":"\\u0000","a":[${Array(objects).fill('{"1023":0,"2575":0}').join(",")}]}}`;
const now = new Date();
const integration = {
  id: "i",
  kind: "generic",
  rules: [],
  tlp: "amber",
  severity: 3,
} as unknown as Integration;
const drafts = Array.from({ length: count }, () =>
  inertDraft(genericDraft(parseJson(decodeUtf8(Buffer.from(body))), now)),
);
if (handOff) {
  // What the main thread holds of the drafts handed to it (structuredClone is postMessage's copy).
  const parsed = drafts.map((draft) => ({
    endpoint: "generic" as const,
    integrationId: "i",
    bearer: false,
    keyDigest: "",
    draft,
    heldBytes: 0,
  }));
  const received = parsed.map((p) => parsedFromHand(structuredClone(handedAlert(p))));
  drafts.length = 0;
  collectGarbage();
  parentPort?.postMessage({ heapUsed: process.memoryUsage().heapUsed, received: received.length });
  process.exit(0);
}
const signals = drafts.map((draft) => signalOf(integration, draft));
const stalled = { rows: () => new Promise(() => {}), execute: () => new Promise(() => {}) } as unknown as Sql;
void storeSignals(stalled, signals, now, () => []).catch(() => {});
collectGarbage();
parentPort?.postMessage({ heapUsed: process.memoryUsage().heapUsed });
