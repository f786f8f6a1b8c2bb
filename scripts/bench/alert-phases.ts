// Reads what tocsin's phase probe (src/alerts/phase-probe.ts, TOCSIN_ALERT_PHASES) wrote
// and summarises one time window of it: per phase, how many and p50 / p99 / max (ms), plus GC
// pauses and event-loop delay per thread. Used by alert-profile.ts with BENCH_PHASES=1.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { maxOf, percentile } from "./stats.ts";

type Series = Record<string, Array<[number, ...number[]]>>;

/** Column names per series (the probe writes values positionally). */
const COLUMNS: Record<string, string[]> = {
  edge: ["parse", "hand-off round trip", "total on the edge", "answer message delay + write"],
  "main.arrive": ["hand-off message delay"],
  "main.handle": ["main: arrival to committed"],
  "commit.wait": ["group-commit queue wait"],
  "commit.batch": ["requests per batch", "batch write"],
  "write.attempts": ["attempts per batch"],
  store: ["read statement", "fold + jobs", "write statement", "signals", "alerts", "jobs"],
  gc1: ["GC pause: scavenge"],
  gc2: ["GC pause: mark-compact"],
  gc4: ["GC pause: incremental marking"],
  gc8: ["GC pause: weak callbacks"],
  loopDelay: ["loop delay p50 (per s)", "loop delay p99 (per s)", "loop delay max (per s)"],
};

const fmt = (n: number) => (Number.isInteger(n) && n > 20 ? String(n) : n.toFixed(2));

export async function phaseSummary(prefix: string, from: number, to: number): Promise<string[]> {
  const dir = path.dirname(prefix);
  // Only the series (.json): TOCSIN_ALERT_HEAP leaves .json.heapprofile files beside them.
  const files = (await readdir(dir)).filter(
    (f) => f.startsWith(`${path.basename(prefix)}.`) && f.endsWith(".json"),
  );
  const lines: string[] = [];
  for (const file of files.sort()) {
    // One line per second (the probe appends each second's rows).
    const series: Series = {};
    for (const line of (await readFile(path.join(dir, file), "utf8")).split("\n")) {
      if (line === "") continue;
      for (const [name, rows] of Object.entries(JSON.parse(line) as Series)) {
        const all = series[name] ?? [];
        series[name] = all;
        all.push(...rows);
      }
    }
    const thread = file.slice(path.basename(prefix).length + 1, -".json".length);
    for (const [name, rows] of Object.entries(series)) {
      const inWindow = rows.filter(([at]) => at >= from && at <= to);
      if (inWindow.length === 0) continue;
      const columns = COLUMNS[name] ?? [];
      const width = (inWindow[0]?.length ?? 1) - 1;
      for (let c = 0; c < width; c++) {
        const values = inWindow.map((row) => row[c + 1] as number);
        const sum = values.reduce((a, b) => a + b, 0);
        lines.push(
          `  ${thread.padEnd(8)} ${(columns[c] ?? `${name}[${c}]`).padEnd(28)} n ${String(values.length).padStart(6)}  p50 ${fmt(percentile(values, 50)).padStart(7)}  p99 ${fmt(percentile(values, 99)).padStart(7)}  max ${fmt(maxOf(values)).padStart(7)}  sum ${fmt(sum)}`,
        );
      }
    }
  }
  return lines;
}
