// How far V8 lets an isolate's old generation grow past what survived its last full collection
// before the next one: a fixed 3x, for the whole process (V8's flags are per process; the alert
// edge thread is the isolate this is for), set once tocsin has started (src/main.ts): a start
// allocates fast, and V8's own factor for it is higher (set from the process's first line, a
// start cost 1,110-1,330 ms of CPU against 940-1,170 set after it, `start-breakdown.ts 4 node`).
//
// Left to itself V8 picks the factor from how its collections keep up, and under the alert load
// it picked a low one: at 1,000 alerts/s the edge thread (src/alerts/intake/edge.ts) promotes
// about 8% of what it allocates (35-40 KB per alert; the alerts floor: 2%), its old generation
// grew from 12.5 MB live to a limit of 20-29 MB, and a full collection came every 2-3 s. Each
// one marks on V8's helper threads, which share the machine's cores with PostgreSQL and the
// answers waiting on it, and the alert responses' slow seconds lined up with them. With the
// factor fixed at 3x, the edge thread ran 4-5 full collections instead of 13 in the same run,
// and the 100 ms windows in which a post took over 50 ms fell from 12-14 to 7-10 of 160
// (`scripts/bench/idle-stall.ts 8 4` with BENCH_NODE_FLAGS="--trace-gc --trace-gc-nvp",
// 2026-12-01; 4x: 3 collections, 7 windows; the windows vary 2-3x from run to run on this
// machine, the collections do not). Where V8 would grow further (a light load, whose collections
// are cheap: up to 4-5x), 3x keeps less memory, not more; after 20,000 Slack commands the peak
// RSS was 368 MB with it and 400 MB without, 175 and 174 MB once settled (memory-after-load.ts).
import { setFlagsFromString } from "node:v8";

/** V8's --heap-growing-percent: the factor is 1 + this / 100. */
export const HEAP_GROWING_PERCENT = 200;

/** Sets the factor; it applies from each isolate's next full collection on. */
export function setHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
