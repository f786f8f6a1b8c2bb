// The doubles' own process (forked by scripts/bench.ts): the Slack Web API double and the Matrix
// homeserver double, so their work never shares tocsin's or the load generator's event loop.
// Reports its URLs once, then every command's first answer, over the IPC channel.
import { BenchMatrixDouble } from "./matrix-double.ts";
import { BenchSlackDouble } from "./slack-double.ts";

export type FromDoubles =
  | { kind: "ready"; slackUrl: string; matrixUrl: string }
  | { kind: "answers"; answers: Array<[id: number, at: number, verdict: string]>; refusals: string[] }
  | { kind: "pages"; pages: Array<[id: number, at: number]> }
  | { kind: "calls"; calls: Record<string, number> };
export type ToDoubles = { kind: "reset" } | { kind: "calls" } | { kind: "stop" };

if (!process.send) throw new Error("run by scripts/bench.ts (fork), not directly");
const send = (message: FromDoubles) => process.send?.(message);

// Answers are sent in small batches: one IPC message per answer would load both processes.
let pending: Array<[number, number, string]> = [];
let refusals: string[] = [];
let flushScheduled = false;
let pages: Array<[number, number]> = [];
const flushSoon = () => {
  if (flushScheduled) return;
  flushScheduled = true;
  setTimeout(() => {
    flushScheduled = false;
    if (pending.length || refusals.length) send({ kind: "answers", answers: pending, refusals });
    if (pages.length) send({ kind: "pages", pages });
    pending = [];
    refusals = [];
    pages = [];
  }, 2);
};
const slack = await BenchSlackDouble.start(
  (id, at, verdict, text) => {
    pending.push([id, at, verdict]);
    if (text) refusals.push(text);
    flushSoon();
  },
  (id, at) => {
    pages.push([id, at]);
    flushSoon();
  },
);
const matrix = await BenchMatrixDouble.start();
process.on("message", (message: ToDoubles) => {
  if (message.kind === "reset") slack.reset();
  if (message.kind === "calls") send({ kind: "calls", calls: Object.fromEntries(slack.calls) });
  if (message.kind === "stop") {
    void Promise.all([slack.close(), matrix.close()]).then(() => process.exit(0));
  }
});
process.on("disconnect", () => process.exit(0));
send({ kind: "ready", slackUrl: `${slack.baseUrl}/api/`, matrixUrl: matrix.url });
