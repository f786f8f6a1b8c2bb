// Preloaded into a tocsin process by scripts/bench/alert-profile.ts (NODE_OPTIONS=--import ...):
// counts the SQL statements that process sends, by their first words, and writes the counts to
// $BENCH_STATEMENTS_FILE on SIGUSR2 (the profiler reads them before and after its load).
import { writeFileSync } from "node:fs";
import pg from "pg";

const counts: Record<string, number> = {};
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
  const first = args[0] as string | { text?: string };
  const text = typeof first === "string" ? first : (first?.text ?? "?");
  // The start of the text only: collapsing the whole of a long statement's text cost the
  // measured process more garbage than some of the work it measures.
  const kind = text.trimStart().slice(0, 400).replace(/\s+/g, " ").slice(0, 70);
  counts[kind] = (counts[kind] ?? 0) + 1;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

const file = process.env.BENCH_STATEMENTS_FILE;
if (file) process.on("SIGUSR2", () => writeFileSync(file, JSON.stringify(counts)));
