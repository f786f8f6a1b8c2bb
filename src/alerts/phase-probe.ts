// A measuring knob (issue 15's response latency): with TOCSIN_ALERT_PHASES=<file prefix> set,
// each thread that handles alert requests records when each phase of a request ended (edge
// parse, hand-off to the main thread, group-commit wait, batch write, answer back) together with
// its event-loop delay and GC pauses, and appends each second's to `<prefix>.<thread>.json`, one
// JSON line per second (scripts/bench/alert-phases.ts reads them). Unset, every call here is a no-op.
import { appendFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { isMainThread, threadId } from "node:worker_threads";

const prefix = process.env.TOCSIN_ALERT_PHASES;

/** Whether phases are recorded (the knob is set). */
export const probing = prefix !== undefined && prefix !== "";

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across threads. */
export const probeNow = (): number => performance.timeOrigin + performance.now();

type Row = [at: number, ...values: number[]];
const series = new Map<string, Row[]>();

/** Records `values` under `name` at the current time (a no-op unless probing). */
export function probe(name: string, ...values: number[]): void {
  if (!probing) return;
  const rows = series.get(name) ?? [];
  if (rows.length === 0) series.set(name, rows);
  rows.push([probeNow(), ...values]);
}

if (probing) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  new PerformanceObserver((list) => {
    // detail.kind: 1 minor (scavenge), 2 major (mark-compact), 4 incremental marking, 8 weak callbacks.
    for (const entry of list.getEntries()) {
      const detail = (entry as unknown as { detail?: { kind?: number } }).detail;
      probe(`gc${detail?.kind ?? 0}`, entry.duration);
    }
  }).observe({ entryTypes: ["gc"] });
  const file = `${prefix}.${isMainThread ? "main" : `thread${threadId}`}.json`;
  setInterval(() => {
    // The loop's delay over the last second, as one row: p50, p99, max (ms).
    probe("loopDelay", delay.percentile(50) / 1e6, delay.percentile(99) / 1e6, delay.max / 1e6);
    delay.reset();
    // Only the rows of the last second, as one line (NDJSON): rewriting every row so far each
    // second stalled the very thread it measured, longer as the run went on (50 -> 110 ms after
    // 20 s at 1,000 alerts/s, once a second).
    appendFileSync(file, `${JSON.stringify(Object.fromEntries(series))}\n`);
    series.clear();
  }, 1000).unref();
  // TOCSIN_ALERT_HEAP=1: V8's sampling heap profiler, counting what every GC collected too (what
  // is allocated, not what stays), from one SIGUSR2 to the next (main thread; alert-profile.ts
  // sends one before and one after its load), written then as <file>.heapprofile.
  // TOCSIN_ALERT_HEAP=promoted (threads): only what outlived a young collection, so was promoted
  // to the old generation (what fills it, and so what makes its full collections come);
  // TOCSIN_ALERT_HEAP=live (threads): only what is alive when the profile is written.
  const heap = process.env.TOCSIN_ALERT_HEAP;
  if ((heap === "1" || heap === "promoted" || heap === "live") && !isMainThread) {
    // A thread gets no signal: it samples from its start and writes its profile every 5 s.
    const session = new Session();
    session.connect();
    session.post("HeapProfiler.startSampling", {
      samplingInterval: 8192,
      includeObjectsCollectedByMajorGC: heap !== "live",
      includeObjectsCollectedByMinorGC: heap === "1",
    });
    setInterval(() => {
      session.post("HeapProfiler.getSamplingProfile", (error, result) => {
        if (!error) writeFileSync(`${file}.heapprofile`, JSON.stringify(result.profile));
      });
    }, 5000).unref();
  }
  if (process.env.TOCSIN_ALERT_HEAP === "1" && isMainThread) {
    const session = new Session();
    session.connect();
    let sampling = false;
    process.on("SIGUSR2", () => {
      if (!sampling) {
        sampling = true;
        session.post("HeapProfiler.startSampling", {
          samplingInterval: 8192,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        });
        return;
      }
      sampling = false;
      session.post("HeapProfiler.getSamplingProfile", (error, result) => {
        if (!error) writeFileSync(`${file}.heapprofile`, JSON.stringify(result.profile));
        session.post("HeapProfiler.stopSampling");
      });
    });
  }
}
