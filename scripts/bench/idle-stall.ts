// A developer's probe of the first alerts after a pause (issue 15's response p99): starts tocsin
// as alert-profile.ts does (page limits off), warms it up, then runs cycles of `idle` seconds of
// silence followed by 2 s of open-loop repeats at BENCH_RATE posts/s (1,000), and prints each
// cycle's response time per 100 ms (p99 / max ms, and refusals), the 100 ms windows in which a
// post took over 50 ms or was not accepted, and how late the load generator itself sent (its own
// stalls). `node scripts/bench/idle-stall.ts [cycles] [idle seconds]`. TOCSIN_ALERT_PHASES and
// TOCSIN_ALERT_HEAP are passed on to tocsin; BENCH_NODE_FLAGS replaces npm start's node flags
// (e.g. "--trace-gc --trace-gc-nvp": V8's collections, written to tocsin's log in the data dir).
import path from "node:path";
import { closeAlertLoad, closedLoopAlerts, openLoopAlerts, repeatedGroupPosts } from "./alert-load.ts";
import { AM_KEY, alertRig } from "./alerts.ts";
import { START_ENTRY, startFlags, startTocsin, untilReady } from "./processes.ts";
import { maxOf, minOf, percentile } from "./stats.ts";

const [cycles = 6, idleSeconds = 10] = process.argv.slice(2).map(Number);
const rate = Number(process.env.BENCH_RATE ?? 1000);
const rig = await alertRig(
  "tocsin-idle-stall-",
  "pageLimits: { mergeWithin: 1s, perPerson: 100000, window: 1m }\n",
);
const { root, doubles, port } = rig;
const passed = ["TOCSIN_ALERT_PHASES", "TOCSIN_ALERT_HEAP"].filter((name) => process.env[name]);
const env = { ...rig.env, ...Object.fromEntries(passed.map((name) => [name, process.env[name] ?? ""])) };
const flags = process.env.BENCH_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? startFlags();
const tocsin = startTocsin("node", env, path.join(root, "tocsin.log"), START_ENTRY, flags);
const repeat = repeatedGroupPosts(`http://127.0.0.1:${port}/alerts/alertmanager/${AM_KEY}`);
const WINDOW_MS = 100;
const stalled: string[] = [];
let worstLate = 0;
try {
  await untilReady(port, tocsin.child, performance.now());
  await closedLoopAlerts(repeat, 8, { total: 400 });
  for (const warm of [500, 1000]) await openLoopAlerts(repeat, warm, 3);
  for (let cycle = 0; cycle < cycles; cycle++) {
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    const samples = await openLoopAlerts(repeat, rate, 2);
    const first = minOf(samples.map((s) => s.sentAt));
    const windows: string[] = [];
    for (let k = 0; k < 2000 / WINDOW_MS; k++) {
      const inWindow = samples.filter((s) => Math.floor((s.sentAt - first) / WINDOW_MS) === k);
      if (inWindow.length === 0) continue;
      const ms = inWindow.map((s) => s.ms);
      const max = maxOf(ms);
      // A refusal or a failed post answers fast: it counts the window as stalled too.
      const refused = inWindow.filter((s) => s.status !== 202).length;
      if (max > 50 || refused > 0) stalled.push(new Date(first + k * WINDOW_MS).toISOString().slice(11, 23));
      windows.push(`${percentile(ms, 99).toFixed(0)}/${max.toFixed(0)}${refused ? `/${refused}x` : ""}`);
    }
    worstLate = Math.max(worstLate, ...samples.map((s) => s.lateMs ?? 0));
    const p99 = percentile(
      samples.map((s) => s.ms),
      99,
    );
    console.log(
      `${new Date(first).toISOString().slice(11, 23)} cycle ${cycle}: p99 ${p99.toFixed(1)} ms | per ${WINDOW_MS} ms: ${windows.join(" ")}`,
    );
  }
  console.log(
    `${WINDOW_MS} ms windows with a post over 50 ms or not accepted: ${stalled.length} of ${cycles * (2000 / WINDOW_MS)}; load generator late at most ${worstLate.toFixed(0)} ms`,
  );
  console.log(`  from: ${stalled.join(" ")}`);
} finally {
  await closeAlertLoad();
  await tocsin.stop();
  await doubles.stop();
}
console.log(`data dir: ${root}`);
