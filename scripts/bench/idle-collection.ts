// A developer's measurement for the idle-memory collection (src/lifecycle/idle-memory.ts): how
// long each kind of full GC blocks the main thread, and how much resident memory it gives back,
// on a heap shaped like tocsin's after a load (tocsin's modules loaded, a few hundred MB of
// alert-like objects allocated with one in 25 kept, spread over the old generation, the rest
// dead). Each kind runs in fresh processes, in turn, so the machine's load falls on all alike.
// `node scripts/bench/idle-collection.ts [rounds]`
import { fork } from "node:child_process";
import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

type Flavor = "last-resort" | "regular";
const FLAVORS: Flavor[] = ["last-resort", "regular"];

if (process.argv[2] === "--child") {
  const flavor = process.argv[3] as Flavor;
  // The desk's code and its libraries in the heap, as in tocsin.
  await import("../../src/app.ts");
  const kept = new Map<number, object>();
  let n = 0;
  // About 300 MB allocated, one in 25 kept (tocsin keeps about 40 MB live): an old generation full of holes.
  for (let round = 0; round < 60; round++) {
    const batch: object[] = [];
    for (let i = 0; i < 20_000; i++) {
      const alert = {
        id: `alert-${n}-${Math.random().toString(36).slice(2)}`,
        labels: { alertname: `DiskFull${n % 100}`, instance: `host-${n % 977}:9100`, team: "csirt" },
        summary: `Disk almost full on storage group ${n % 100}`.repeat(1 + (n % 3)),
        at: new Date(),
        n: n++,
      };
      batch.push(alert);
      if (n % 25 === 0) kept.set(n, alert);
    }
    await new Promise((resolve) => setImmediate(resolve));
    void batch;
  }
  // Let concurrent marking and the sweeper finish what the allocation started.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (options: object) => void;
  const before = process.memoryUsage.rss();
  const began = performance.now();
  gc({ type: "major", execution: "sync", flavor });
  const ms = performance.now() - began;
  // What the collection gave back shows at once; the sweeper's freed pages a moment later, and
  // V8's own memory reducer (which a quiet process like this one lets run) within seconds.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = process.memoryUsage.rss();
  await new Promise((resolve) => setTimeout(resolve, 9000));
  const later = process.memoryUsage.rss();
  process.send?.({ ms, before, after, later, kept: kept.size });
  process.exit(0);
}

interface Result {
  ms: number;
  before: number;
  after: number;
  later: number;
}
const rounds = Number(process.argv[2] ?? 3);
const results = new Map<Flavor, Array<Result>>();
for (let round = 0; round < rounds; round++) {
  for (const flavor of FLAVORS) {
    const child = fork(import.meta.filename, ["--child", flavor], { stdio: "inherit" });
    const result = await new Promise<Result>((resolve, reject) => {
      child.once("message", (message) => resolve(message as Result));
      child.once("exit", (code) => reject(new Error(`child exited ${code}`)));
    });
    results.set(flavor, [...(results.get(flavor) ?? []), result]);
  }
}
const mb = (bytes: number) => Math.round(bytes / 1048576);
for (const [flavor, runs] of results) {
  const line = runs
    .map((r) => `${r.ms.toFixed(0)} ms (${mb(r.before)} -> ${mb(r.after)} MB, ${mb(r.later)} MB 10 s later)`)
    .join(", ");
  console.log(`${flavor.padEnd(12)} ${line}`);
}
