// The bench's burst phase alone: bursts of 32 concurrent declares through signed Slack HTTP
// against tocsin started as `npm start` starts it, with the doubles. Prints per burst its
// latencies (min/median/p99/max, send to first answer), and over all bursts the CPU per declare
// (utime + stime from /proc of tocsin's node process and of its PostgreSQL's processes), the
// Slack double calls and the SQL statements tocsin sent per declare (by their first words,
// through count-statements.ts); before the bursts, the latencies of 20 declares one at a time.
// A developer's tool for before/after comparisons of the declare path: on a shared machine
// latencies are noisy, CPU time and counts are not.
//
//   node scripts/bench/declare-burst.ts [bursts=5] [size=32]
//   BENCH_CPU_PROF=dir   also writes a V8 CPU profile of tocsin to dir (--cpu-prof)
//   BENCH_KEEP=1         keeps the data directory (its path is printed)

import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { slackSender, startCommandRig } from "./command-rig.ts";
import { ANSWER_TIMEOUT_MS, newId, type Sample, sendCommand } from "./load.ts";
import { startTocsin, treeCpuMs, untilReady } from "./processes.ts";
import { percentile } from "./stats.ts";

const bursts = Number(process.argv[2] ?? 5);
const size = Number(process.argv[3] ?? 32);
const rig = await startCommandRig("burst");
const { dataRoot, doubles, port, env } = rig;
const statementsFile = path.join(dataRoot, "statements.json");
env.BENCH_STATEMENTS_FILE = statementsFile;
const nodeOptions = [`--import=${path.join(import.meta.dirname, "count-statements.ts")}`];
const profileDir = process.env.BENCH_CPU_PROF;
if (profileDir) nodeOptions.push(`--cpu-prof --cpu-prof-dir=${path.resolve(profileDir)}`);
env.NODE_OPTIONS = nodeOptions.join(" ");
const tocsin = startTocsin("node", env, path.join(dataRoot, "tocsin.log"));

/** The statements counted so far (count-statements.ts writes them on SIGUSR2). */
async function statements(pid: number): Promise<Record<string, number>> {
  await rm(statementsFile, { force: true });
  process.kill(pid, "SIGUSR2");
  for (let i = 0; i < 200; i++) {
    const text = await readFile(statementsFile, "utf8").catch(() => "");
    if (text) return JSON.parse(text) as Record<string, number>;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("no statement counts from tocsin");
}

/** CPU time (user + system) of a process's main thread (task id = process id), in milliseconds. */
async function mainThreadCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/task/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Waits until tocsin's command queue is empty and nothing was answered for a second. */
async function drain(): Promise<void> {
  const limit = performance.now() + 120_000;
  const backlog = async () => {
    const text = await fetch(`http://127.0.0.1:${port}/metrics`)
      .then((r) => r.text())
      .catch(() => "");
    let queued = 0;
    for (const match of text.matchAll(/^tocsin_command_queue\{state="\w+"\} (\d+)/gm))
      queued += Number(match[1]);
    return queued;
  };
  while (performance.now() < limit && ((await backlog()) > 0 || performance.now() - rig.lastAnswerAt < 1000))
    await new Promise((resolve) => setTimeout(resolve, 250));
}

try {
  await untilReady(port, tocsin.child, performance.now());
  const sender = slackSender(rig);
  const burst = (label: string): Promise<Sample[]> =>
    Promise.all(
      Array.from({ length: size }, () => {
        const id = newId();
        return sendCommand(sender, "declare", `declare "${label} bq${id}q" sev:3`, id);
      }),
    );
  // Warm-up (JIT, caches, pool, prepared statements), not counted.
  for (let i = 0; i < 8; i++) {
    const id = newId();
    await sendCommand(sender, "declare", `declare "Warm bq${id}q" sev:3`, id);
  }
  await burst("Warm");
  await drain();
  // Declares one at a time (the bench's idle declares), before what is counted.
  const idle: number[] = [];
  for (let i = 0; i < 20; i++) {
    const id = newId();
    const sample = await sendCommand(sender, "declare", `declare "Idle bq${id}q" sev:3`, id);
    idle.push(sample.answerMs ?? ANSWER_TIMEOUT_MS);
  }
  console.log(
    `20 declares one at a time: median ${percentile(idle, 50).toFixed(0)} p99 ${percentile(idle, 99).toFixed(0)} ms`,
  );
  const pid = await tocsin.nodePid();
  const calls0 = await doubles.calls();
  const counted0 = await statements(pid);
  const cpu0 = await treeCpuMs(pid);
  // The main thread alone (its task id is the process id): the event loop a burst queues on.
  const main0 = await mainThreadCpuMs(pid);
  const latencies: number[][] = [];
  let ok = 0;
  for (let b = 0; b < bursts; b++) {
    const samples = await burst("Burst");
    ok += samples.filter((s) => s.outcome === "ok").length;
    // An unanswered declare counts as the timeout, as in the bench.
    latencies.push(samples.map((s) => s.answerMs ?? ANSWER_TIMEOUT_MS));
    await drain();
  }
  const cpu1 = await treeCpuMs(pid);
  const main1 = await mainThreadCpuMs(pid);
  const counted1 = await statements(pid);
  const calls1 = await doubles.calls();
  for (const [b, values] of latencies.entries()) {
    const sorted = [...values].sort((x, y) => x - y);
    console.log(
      `burst ${b + 1}: min ${sorted[0]?.toFixed(0)} median ${percentile(sorted, 50).toFixed(0)} ` +
        `p99 ${percentile(sorted, 99).toFixed(0)} max ${sorted.at(-1)?.toFixed(0)} ms`,
    );
  }
  const declares = bursts * size;
  console.log(
    `${ok}/${declares} answered ok; CPU per declare: tocsin ${((cpu1.node - cpu0.node) / declares).toFixed(2)} ms, ` +
      `its PostgreSQL ${((cpu1.postgres - cpu0.postgres) / declares).toFixed(2)} ms (includes jobs the declares ran); ` +
      `tocsin's main thread ${((main1 - main0) / declares).toFixed(2)} ms`,
  );
  const perDeclare = Object.entries(calls1)
    .map(([method, n]) => [method, (n - (calls0[method] ?? 0)) / declares] as const)
    .filter(([, n]) => n > 0)
    .map(([method, n]) => `${method} ${n.toFixed(2)}`);
  console.log(`Slack double calls per declare: ${perDeclare.join(", ")}`);
  const sent = Object.entries(counted1)
    .map(([text, n]) => [text, (n - (counted0[text] ?? 0)) / declares] as const)
    .filter(([, n]) => n > 0)
    .sort((x, y) => y[1] - x[1]);
  console.log(`SQL statements per declare: ${sent.reduce((sum, [, n]) => sum + n, 0).toFixed(2)}`);
  for (const [text, n] of sent) console.log(`  ${n.toFixed(2)}  ${text}`);
} finally {
  await tocsin.stop();
  await doubles.stop();
  if (process.env.BENCH_KEEP === "1") console.error(`kept ${dataRoot}`);
  else await rm(dataRoot, { recursive: true, force: true });
}
