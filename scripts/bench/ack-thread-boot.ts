// What a prepared Slack ack thread costs before it can listen: the start bundle's thread entry
// spawned as prepareAckThread spawns it (awaiting its settings), N times one after the other,
// with the compile cache on as src/start.js turns it on. For each: the thread's CPU
// (worker.cpuUsage) and the wall time until it has loaded its code and waits (its CPU grows
// less than 1 ms in 50 ms), then it is ended. Prints min / median / max of each.
//   node scripts/bench/ack-thread-boot.ts [threads=20]
// The bundle is the one `npm start` would run now (built first if the sources changed).
import { enableCompileCache } from "node:module";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { ACK_THREAD_BUNDLE_NAME } from "../../src/build/bundle-entries.ts";
import { startBundle } from "../../src/build/start-bundle.ts";
import { ACK_THREAD_LIMITS } from "../../src/chat/slack/ack-thread.ts";
import { ROOT } from "./processes.ts";
import { percentile } from "./stats.ts";

const THREADS = Number(process.argv[2] ?? 20);
enableCompileCache(path.join(ROOT, "node_modules/.cache/tocsin-compile"));
const bundle = await startBundle(ROOT);
if (!bundle) throw new Error("no start bundle could be built");
const entry = path.join(path.dirname(bundle), `${ACK_THREAD_BUNDLE_NAME}.js`);

const cpuMs: number[] = [];
const wallMs: number[] = [];
for (let i = 0; i < THREADS; i++) {
  const t0 = performance.now();
  const worker = new Worker(entry, { workerData: { awaitStart: true }, resourceLimits: ACK_THREAD_LIMITS });
  worker.on("error", (error) => console.error(`the thread failed: ${error.message}`));
  await new Promise((resolve) => worker.once("online", resolve));
  // Answering cpuUsage costs the thread a few microseconds: "waiting" is under 1 ms in 50 ms.
  let last = 0;
  let lastAt = performance.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const usage = await worker.cpuUsage();
    const used = (usage.user + usage.system) / 1000;
    if (used - last < 1) break;
    last = used;
    lastAt = performance.now();
    if (lastAt - t0 > 30_000) throw new Error("the thread never settled");
  }
  const steadySince = lastAt;
  wallMs.push(steadySince - t0);
  cpuMs.push(last);
  await worker.terminate();
}
const line = (name: string, values: number[]) =>
  `${name}: min ${Math.min(...values).toFixed(0)} / median ${percentile(values, 50).toFixed(0)} / max ${Math.max(...values).toFixed(0)} ms`;
console.log(`${THREADS} prepared ack threads (${path.relative(ROOT, entry)})`);
console.log(line("thread CPU until waiting for its settings", cpuMs));
console.log(line("wall time until waiting (last CPU change)", wallMs));
