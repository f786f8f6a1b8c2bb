// Figures from samples: percentiles within a run, min/median/max across repetitions, a table.
import type { Sample } from "./load.ts";

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
}

/**
 * The smallest and largest of `values`, by a loop: spreading a phase's samples into Math.min
 * overflows the stack once a phase has about 100,000 of them (the floor's closed loop does).
 */
export function minOf(values: Iterable<number>): number {
  let min = Number.POSITIVE_INFINITY;
  for (const value of values) if (value < min) min = value;
  return min;
}

export function maxOf(values: Iterable<number>): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) if (value > max) max = value;
  return max;
}

/** min / median / max of one figure over the repetitions. */
export interface Spread {
  min: number;
  median: number;
  max: number;
}

export function spread(values: number[]): Spread {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN };
  return { min: sorted[0]!, median: percentile(sorted, 50), max: sorted[sorted.length - 1]! };
}

export interface RunFigures {
  sent: number;
  ackP50: number;
  ackP99: number;
  answerP50: number;
  answerP99: number;
  perSecond: number;
  failures: Record<string, number>;
}

export function figures(samples: Sample[], seconds: number, answered: boolean): RunFigures {
  const acks = samples.flatMap((s) => (s.ackMs === undefined ? [] : [s.ackMs]));
  const answers = samples.flatMap((s) => (s.answerMs === undefined ? [] : [s.answerMs]));
  const failures: Record<string, number> = {};
  for (const s of samples) if (s.outcome !== "ok") failures[s.outcome] = (failures[s.outcome] ?? 0) + 1;
  const done = samples.filter((s) => s.outcome === "ok" || (!answered && s.outcome !== "http-error")).length;
  return {
    sent: samples.length,
    ackP50: percentile(acks, 50),
    ackP99: percentile(acks, 99),
    answerP50: percentile(answers, 50),
    answerP99: percentile(answers, 99),
    perSecond: done / seconds,
    failures,
  };
}

export const fmtMs = (s: Spread) =>
  Number.isNaN(s.median) ? "-" : `${s.min.toFixed(1)} / ${s.median.toFixed(1)} / ${s.max.toFixed(1)}`;
export const fmtRate = (s: Spread) =>
  Number.isNaN(s.median) ? "-" : `${s.min.toFixed(0)} / ${s.median.toFixed(0)} / ${s.max.toFixed(0)}`;

export function failureText(runs: RunFigures[]): string {
  const total: Record<string, number> = {};
  let sent = 0;
  for (const run of runs) {
    sent += run.sent;
    for (const [k, v] of Object.entries(run.failures)) total[k] = (total[k] ?? 0) + v;
  }
  const parts = Object.entries(total).map(([k, v]) => `${v} ${k}`);
  return `${sent} sent${parts.length ? `, ${parts.join(", ")}` : ", all answered"}`;
}

export function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(`\n${title}\n`);
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const row of rows) console.log(line(row));
}
