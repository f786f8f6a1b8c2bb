// CPU per answered command through the real Slack path, measured the way `npm run bench` does
// (utime + stime from /proc of tocsin's node process and of its PostgreSQL's processes, around a
// closed-loop phase of the bench's mix), without the rest of the bench. A developer's tool for
// before/after comparisons on a shared machine: CPU time does not stretch when the box is busy.
//
//   node scripts/bench/cpu-per-command.ts [seconds=20] [clients=16]
//   BENCH_CPU_PROF=dir   also writes a V8 CPU profile of tocsin to dir (--cpu-prof)
//   BENCH_NODE_OPTIONS=...  more NODE_OPTIONS for tocsin (e.g. an --import that counts statements)
//   BENCH_START_FLAGS="..."  Node flags in place of npm start's (e.g. "" or "--max-semi-space-size=16")
//   BENCH_PG_STATS=1     loads pg_stat_statements (one extra restart of tocsin before measuring) and
//                        prints the statements by PostgreSQL time per answered command
//   TOCSIN_FROM_SOURCE=1 runs tocsin from its sources, not the start bundle (readable profiles)
//   BENCH_KEEP=1         keeps the data directory (its path is printed)

import { rm } from "node:fs/promises";
import path from "node:path";
import { slackSender, startCommandRig } from "./command-rig.ts";
import { closedLoop, newId, sendCommand, Workload } from "./load.ts";
import { connectPgStats, type PgStats, preloadPgStats } from "./pg-stats.ts";
import {
  cpuMs,
  START_ENTRY,
  startFlags,
  startTocsin,
  threadCpuMs,
  treeCpuMs,
  untilReady,
  userSystemMs,
} from "./processes.ts";

const seconds = Number(process.argv[2] ?? 20);
const clients = Number(process.argv[3] ?? 16);
const rig = await startCommandRig("cpu");
const { dataRoot, doubles, port, env } = rig;
// Running from the sources rather than the start bundle gives a profile readable by file.
if (process.env.TOCSIN_FROM_SOURCE === "1") env.TOCSIN_FROM_SOURCE = "1";
const profileDir = process.env.BENCH_CPU_PROF;
const nodeOptions = [process.env.BENCH_NODE_OPTIONS ?? ""];
if (profileDir) nodeOptions.push(`--cpu-prof --cpu-prof-dir=${path.resolve(profileDir)}`);
if (nodeOptions.join("").trim()) env.NODE_OPTIONS = nodeOptions.join(" ").trim();
const pgStats = process.env.BENCH_PG_STATS === "1";
const postgresDir = path.join(dataRoot, "tocsin", "postgres");
if (pgStats) {
  // A first start creates the cluster; the library is loaded from the next start on.
  const first = startTocsin("node", env, path.join(dataRoot, "tocsin.log"));
  await untilReady(port, first.child, performance.now());
  await first.stop();
  await preloadPgStats(postgresDir);
}
// npm start's Node flags, or others in their place (a command line flag wins over NODE_OPTIONS).
const startFlagsGiven = process.env.BENCH_START_FLAGS;
const flags = startFlagsGiven === undefined ? startFlags() : startFlagsGiven.split(/\s+/).filter(Boolean);
const tocsin = startTocsin("node", env, path.join(dataRoot, "tocsin.log"), START_ENTRY, flags);
let stats: PgStats | undefined;
try {
  await untilReady(port, tocsin.child, performance.now());
  if (pgStats) stats = await connectPgStats(postgresDir);
  const sender = slackSender(rig);
  const year = new Date().getUTCFullYear();
  const publicIds: string[] = [];
  for (let i = 1; i <= 24; i++) {
    const id = newId();
    const sample = await sendCommand(sender, "declare", `declare "Setup bq${id}q" sev:3`, id);
    if (sample.outcome !== "ok") throw new Error(`setup declare ${i}: ${sample.outcome}`);
    publicIds.push(`INC-${year}-${String(i).padStart(4, "0")}`);
  }
  const workload = new Workload(publicIds.slice(0, 8), publicIds.slice(8));
  // A short warm-up (JIT, caches, pool) that is not counted.
  await closedLoop(sender, workload, clients, 3);
  const pid = await tocsin.nodePid();
  // What tocsin spends with nothing to do (timers, job polling): on a busy machine few commands
  // are answered, and this fixed part weighs on each; printed so runs can be compared net of it.
  const idle0 = await treeCpuMs(pid);
  const idleStart = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const idle1 = await treeCpuMs(pid);
  const idleSeconds = (performance.now() - idleStart) / 1000;
  const idleRate = {
    node: (idle1.node - idle0.node) / idleSeconds,
    postgres: (idle1.postgres - idle0.postgres) / idleSeconds,
  };
  const calls0 = await doubles.calls();
  await stats?.reset();
  // Connections opened meanwhile: each prepares the hot statements afresh (sql.ts).
  const sessionsOf = async () => (await stats?.sessions()) ?? Number.NaN;
  const sessions0 = await sessionsOf();
  const cpu0 = await treeCpuMs(pid);
  const threads0 = await threadCpuMs(pid);
  const split0 = await userSystemMs(pid);
  const doubles0 = await cpuMs(doubles.pid);
  const loader0 = process.cpuUsage();
  const t0 = performance.now();
  const samples = await closedLoop(sender, workload, clients, seconds);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu1 = await treeCpuMs(pid);
  const threads1 = await threadCpuMs(pid);
  const split1 = await userSystemMs(pid);
  const loader = process.cpuUsage(loader0);
  const doublesMs = (await cpuMs(doubles.pid)) - doubles0;
  const ok = samples.filter((s) => s.outcome === "ok").length;
  const calls1 = await doubles.calls();
  const perCommand = Object.entries(calls1)
    .map(([method, n]) => [method, (n - (calls0[method] ?? 0)) / ok] as const)
    .filter(([, n]) => n > 0)
    .map(([method, n]) => `${method} ${n.toFixed(2)}`);
  const node = (cpu1.node - cpu0.node) / ok;
  const postgres = (cpu1.postgres - cpu0.postgres) / ok;
  console.log(
    `${samples.length} sent, ${ok} answered ok in ${elapsed.toFixed(1)} s (${(ok / elapsed).toFixed(0)}/s, indicative); ` +
      `CPU per answered command: tocsin ${node.toFixed(2)} ms, its PostgreSQL ${postgres.toFixed(2)} ms`,
  );
  console.log(
    `The rest of the machine's budget per answered command: the doubles' process ${(doublesMs / ok).toFixed(2)} ms, ` +
      `this load generator ${((loader.user + loader.system) / 1000 / ok).toFixed(2)} ms`,
  );
  console.log(
    `Idle: tocsin ${idleRate.node.toFixed(1)} ms/s, its PostgreSQL ${idleRate.postgres.toFixed(1)} ms/s; net of idle per answered command: ` +
      `tocsin ${(node - (idleRate.node * elapsed) / ok).toFixed(2)} ms, its PostgreSQL ${(postgres - (idleRate.postgres * elapsed) / ok).toFixed(2)} ms`,
  );
  // Where tocsin's CPU goes: its threads (main, the Slack ack thread, V8's GC and compiler
  // helpers, libuv's pool) and user against system time (syscalls: socket writes and reads).
  const byThread = Object.entries(threads1)
    .map(([name, ms]) => [name, (ms - (threads0[name] ?? 0)) / ok] as const)
    .filter(([, ms]) => ms >= 0.01)
    .sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => `${name} ${ms.toFixed(2)}`);
  console.log(
    `tocsin per answered command: user ${((split1.user - split0.user) / ok).toFixed(2)} ms, system ${((split1.system - split0.system) / ok).toFixed(2)} ms; by thread (ms): ${byThread.join(", ")}`,
  );
  const outcomes = new Map<string, number>();
  for (const s of samples) outcomes.set(s.outcome, (outcomes.get(s.outcome) ?? 0) + 1);
  if (ok < samples.length) console.log(`Outcomes: ${[...outcomes].map(([o, n]) => `${o} ${n}`).join(", ")}`);
  console.log(`Slack double calls per answered command: ${perCommand.join(", ")}`);
  if (stats) {
    console.log(`PostgreSQL sessions opened while measuring: ${(await sessionsOf()) - sessions0}`);
    await stats.print(ok, "command");
  }
} finally {
  await stats?.end();
  await tocsin.stop();
  await doubles.stop();
  if (process.env.BENCH_KEEP === "1") console.error(`kept ${dataRoot}`);
  else await rm(dataRoot, { recursive: true, force: true });
}
