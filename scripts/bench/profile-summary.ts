// Where a V8 CPU profile of tocsin's main thread spends its time, by component, with the top
// functions by self and inclusive time: a reading of what `BENCH_CPU_PROF=dir` (cpu-per-command.ts,
// declare-burst.ts) writes, best with TOCSIN_FROM_SOURCE=1 so frames name their source files.
//
//   node scripts/bench/profile-summary.ts <file.cpuprofile> [window seconds=19] [top=25]
//
// Only the last `window` seconds before the last command the router handled are read, so start-up
// and setup do not count. V8 samples by wall clock: a thread descheduled inside a syscall (a socket
// write that wakes PostgreSQL or the Slack double on a busy 2-core machine) is counted in that
// syscall, so the write rows say where the thread waited, not what it spent. The process's system
// time (cpu-per-command.ts prints user and system) is the bound on what those rows really cost.
import { readFileSync } from "node:fs";
import type { CallFrame, CpuProfile as Profile } from "./cpu-profile.ts";

const [file, windowArg = "19", topArg = "25"] = process.argv.slice(2);
if (!file) throw new Error("usage: profile-summary.ts <file.cpuprofile> [window seconds] [top]");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

function stackOf(id: number): CallFrame[] {
  const frames: CallFrame[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const node = nodes.get(at);
    if (node) frames.push(node.callFrame);
  }
  return frames;
}

const SYSCALL_WRITES = new Set([
  "writev",
  "writeUtf8String",
  "writeString",
  "writeBuffer",
  "writeLatin1String",
]);

function packageOf(url: string): string | undefined {
  const dependency = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return dependency[1];
  if (url.includes("/src/")) return `tocsin ${url.split("/src/")[1]?.split("/")[0]?.replace(/\.ts$/, "")}`;
  if (url.includes("/commands/")) return "tocsin commands";
  return undefined;
}

/** The component a sample is charged to: its innermost frame outside Node's own modules. */
function componentOf(stack: CallFrame[]): string {
  const leaf = stack[0];
  if (!leaf) return "(none)";
  if (leaf.functionName === "(idle)") return "idle";
  if (leaf.functionName === "(garbage collector)") return "GC (main thread)";
  if (leaf.functionName === "(program)") return "V8/native, unattributed";
  const through = (part: string) => stack.some((frame) => frame.url.includes(part));
  if (SYSCALL_WRITES.has(leaf.functionName)) {
    if (through("pino") || through("sonic-boom")) return "log write (syscall, wall)";
    if (through("/pg/")) return "socket write to PostgreSQL (syscall, wall)";
    if (through("_http_")) return "socket write, HTTP (syscall, wall)";
    return "other write (syscall, wall)";
  }
  if (through("/pino/") || through("@pinojs") || through("sonic-boom")) return "logging (pino, redaction)";
  for (const frame of stack) {
    const name = packageOf(frame.url);
    if (!name) continue;
    if (name === "zod") return "zod";
    if (name.startsWith("pg") || name === "postgres-date") return "pg driver";
    if (name === "@slack/bolt") return "Bolt";
    if (["@slack/web-api", "p-retry", "p-queue", "retry", "axios"].includes(name)) return "Slack WebClient";
    if (name === "tocsin http") return "outbound HTTP (keep-alive fetch and node:http beneath it)";
    return name.startsWith("tocsin") ? name : `library ${name}`;
  }
  if (through("_http_") || through("node:http")) return "node:http, unattributed";
  return "Node internals and microtasks, unattributed";
}

let clock = profile.startTime;
const times = profile.timeDeltas.map((delta) => {
  clock += delta;
  return clock;
});
let last = 0;
profile.samples.forEach((id, i) => {
  if (stackOf(id).some((f) => f.functionName === "handle" && f.url.includes("router")))
    last = times[i] ?? last;
});
const from = last - Number(windowArg) * 1e6;

const byComponent = new Map<string, number>();
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let busy = 0;
const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
const nameOf = (f: CallFrame) =>
  `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/(src|commands)\//, "$1/")}:${f.lineNumber + 1}`;
profile.samples.forEach((id, i) => {
  const at = times[i] ?? 0;
  if (at < from || at > last) return;
  const us = profile.timeDeltas[i + 1] ?? 0;
  const stack = stackOf(id);
  const component = componentOf(stack);
  add(byComponent, component, us);
  if (component === "idle") return;
  busy += us;
  const leaf = stack[0];
  if (leaf) add(self, nameOf(leaf), us);
  for (const key of new Set(stack.filter((f) => f.url).map(nameOf))) add(inclusive, key, us);
});

const print = (title: string, map: Map<string, number>, top: number) => {
  console.log(title);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const share = key === "idle" ? "" : `${((100 * us) / busy).toFixed(1)}%`;
    console.log(`  ${(us / 1000).toFixed(0).padStart(7)} ms ${share.padStart(6)}  ${key}`);
  }
};
console.log(
  `${windowArg} s before the last command handled; busy ${(busy / 1000).toFixed(0)} ms (shares of busy)`,
);
print("By component (innermost frame outside Node's modules):", byComponent, 40);
print("Self time:", self, Number(topArg));
print("Inclusive time (synchronous stacks only: an await ends a stack):", inclusive, Number(topArg));
