// How far V8 lets an isolate's old generation grow past what survived its last full collection
// before the next one: a fixed 3x, for the whole process (V8's flags are per process; the alert
// edge thread is the isolate this is for), set once tocsin has started (src/main.ts): a start
// allocates fast, and V8's own factor for it is higher (set from the process's first line, a
// start cost 1,110-1,330 ms of CPU against 940-1,170 set after it, `start-breakdown.ts 4 node`).
//
// Left to itself V8 bounds the factor by the isolate's heap bound: 1.3-2.0x below a 2 GB bound, up
// to 4x above. The alert edge thread's bound is 256 MB (ACK_THREAD_LIMITS in
// src/chat/slack/ack-thread.ts, which keeps a leak or flood from taking the process's memory), so
// its limit was what survived plus V8's 8 MB step and the young generation: at 1,000 alerts/s the
// thread (src/alerts/intake/edge.ts) promotes about 8% of what it allocates (35-40 KB per alert;
// the alerts floor: 2%), its old generation went from 12.5 MB live to limits of 20-29 MB, and a
// full collection came every 2-3 s. Each one marks on V8's helper threads, which share the
// machine's cores with PostgreSQL and the answers waiting on it, and the alert responses' slow
// seconds lined up with them. With the factor fixed at 3x, the edge thread ran 4-5 full
// collections instead of 13 in the same run, and the 100 ms windows in which a post took over
// 50 ms fell from 12-14 to 7-10 of 160 (`scripts/bench/idle-stall.ts 8 4` with
// BENCH_NODE_FLAGS="--trace-gc --trace-gc-nvp", 2026-12-01; 4x: 3 collections, 7 windows; the
// windows vary 2-3x from run to run on this machine, the collections do not). V8 still caps each
// limit at halfway between what survived and the bound, so the thread cannot reach its bound
// sooner than before.
//
// What it costs: the factor is per process, so the main thread's isolate gets it too. On a host
// with 8 GB or more V8's own factor there is up to 4x, and 3x keeps less; on a smaller host 3x
// lets its heap grow further before a collection than V8 would (1.3-2.0x). It also replaces the
// smaller factor V8 uses after a memory-reducing collection (idle-memory.ts's), so the heap may
// regrow to 3x before the next. Measured on this 24 GB machine after 20,000 Slack commands
// (memory-after-load.ts 20000 30, the setting then on main.ts's first line): peak RSS 368 MB with
// it and 400 MB without, 175 and 174 MB once settled; the latest full bench, 175 MB settled.
import { setFlagsFromString } from "node:v8";

/** V8's --heap-growing-percent: the factor is 1 + this / 100. */
export const HEAP_GROWING_PERCENT = 200;

/** Sets the factor; it applies from each isolate's next full collection on. */
export function setHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
