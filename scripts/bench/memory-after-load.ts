// tocsin's memory idle and after a closed loop of commands through Slack, settled: RSS, V8's heap
// and where the rest of the resident memory lies (/proc/<pid>/smaps: V8 heap, wasm memory,
// malloc arenas, code). For deciding what holds memory after a load; the bench's own figure is
// `npm run bench`'s.
//   node scripts/bench/memory-after-load.ts [commands=5000] [settle seconds=30]
// START_ENV_<NAME>=value passes NAME=value to tocsin (e.g. START_ENV_MALLOC_ARENA_MAX=2).

import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { startCommandRig } from "./command-rig.ts";
import { closedLoop, newId, type Sender, sendCommand, type Target, Workload } from "./load.ts";
import { rssMb, START_ENTRY, startFlags, startTocsin, untilReady } from "./processes.ts";

const COMMANDS = Number(process.argv[2] ?? 5000);
const SETTLE_S = Number(process.argv[3] ?? 30);
const rig = await startCommandRig("memory");
const { dataRoot, doubles, answers, port } = rig;
const extra: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env)) if (k.startsWith("START_ENV_") && v) extra[k.slice(10)] = v;
const env = { ...rig.env, ...extra };

/** Resident memory by kind of mapping, in MB. */
async function residentByKind(pid: number): Promise<Record<string, number>> {
  const text = await readFile(`/proc/${pid}/smaps`, "utf8");
  const kinds: Record<string, number> = {};
  let kind = "";
  for (const line of text.split("\n")) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const name = header[4] ?? "";
      const size = (Number.parseInt(header[2]!, 16) - Number.parseInt(header[1]!, 16)) / 1048576;
      // Anonymous mappings told apart by size: wasm memories reserve gigabytes of address space,
      // malloc's thread arenas are 64 MB heaps, V8's pages are small.
      kind = name.includes("node")
        ? "node binary"
        : name.startsWith("/")
          ? "files"
          : name
            ? name
            : size >= 1024
              ? "anon >= 1 GB (wasm)"
              : size >= 1
                ? `anon ${size >= 32 ? ">= 32" : "1-32"} MB`
                : "anon < 1 MB";
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) kinds[kind] = (kinds[kind] ?? 0) + Number(rss[1]) / 1024;
  }
  return kinds;
}

async function report(what: string, pid: number): Promise<void> {
  const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  const metric = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, "m").exec(metrics)?.[1]) / 1048576;
  const kinds = Object.entries(await residentByKind(pid))
    .map(([k, v]) => `${k} ${v.toFixed(0)}`)
    .join(", ");
  console.log(
    `${what}: rss ${(await rssMb(pid)).toFixed(0)} MB | heap used ${metric("tocsin_nodejs_heap_size_used_bytes").toFixed(0)} total ${metric("tocsin_nodejs_heap_size_total_bytes").toFixed(0)} external ${metric("tocsin_nodejs_external_memory_bytes").toFixed(0)} | ${kinds}`,
  );
}

// MEMORY_FLAGS replaces npm start's node flags, to compare V8 settings.
const flags = process.env.MEMORY_FLAGS?.split(" ").filter(Boolean) ?? startFlags();
const tocsin = startTocsin("node", env, path.join(dataRoot, "tocsin.log"), START_ENTRY, flags);
try {
  await untilReady(port, tocsin.child, performance.now());
  const pid = await tocsin.nodePid();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await report("idle", pid);
  const target: Target = { name: "tocsin", url: `http://127.0.0.1:${port}/slack/events`, answers: true };
  const sender: Sender = { target, slackBase: doubles.slackBase, answers };
  const year = new Date().getUTCFullYear();
  const ids: string[] = [];
  for (let i = 1; i <= 24; i++) {
    const id = newId();
    await sendCommand(sender, "declare", `declare "Setup bq${id}q" sev:3`, id);
    ids.push(`INC-${year}-${String(i).padStart(4, "0")}`);
  }
  const workload = new Workload(ids.slice(0, 8), ids.slice(8));
  let sent = 24;
  let failed = 0;
  let peak = 0;
  const t0 = performance.now();
  while (sent < COMMANDS) {
    const samples = await closedLoop(sender, workload, 32, 5);
    sent += samples.length;
    failed += samples.filter((s) => s.outcome !== "ok").length;
    peak = Math.max(peak, await rssMb(pid));
  }
  console.log(
    `${sent} commands in ${((performance.now() - t0) / 1000).toFixed(0)} s (${failed} not ok), peak rss ${peak.toFixed(0)} MB`,
  );
  await report("right after", pid);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_S * 1000));
  await report(`after ${SETTLE_S} s idle`, pid);
} finally {
  await tocsin.stop();
  await doubles.stop();
  if (process.env.KEEP) console.log(dataRoot);
  else await rm(dataRoot, { recursive: true, force: true });
}
