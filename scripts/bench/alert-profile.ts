// A developer's measurement of alert intake cost (issue 15): starts tocsin as the bench does
// (scripts/bench/alerts.ts, page limits off), warms it up, then runs the bench's closed-loop load
// (repeats of 100 Alertmanager groups of up to 50 alerts, 32 clients) and reports, for the load
// and the page jobs it caused (until a barrier alert's page arrives):
// - CPU ms per accepted alert in tocsin's node process and in its PostgreSQL (/proc/<pid>/stat),
// - SQL statements tocsin sent, by kind (a preload counts them: count-statements.ts),
// - accepted/s and response p50/p99 (wall clock: indicative only on a shared machine).
// `node scripts/bench/alert-profile.ts [seconds] [--cpu-prof]`; with --cpu-prof tocsin writes a
// V8 CPU profile (.cpuprofile) of its whole run into the data dir, printed at the end.
// BENCH_PG_STATS=1 also prints PostgreSQL's statements by time per accepted alert
// (pg_stat_statements, pg-stats.ts); TOCSIN_FROM_SOURCE=1 runs tocsin from its sources, not the
// start bundle, so a profile's lines name source files.
import { chmod, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freeLoopbackPort } from "../../src/db/embedded-postgres.ts";
import {
  type AlertPost,
  alertmanagerBody,
  closedLoopAlerts,
  fingerprintOf,
  openLoopAlerts,
  pageMarker,
  postAlert,
  repeatedGroupPosts,
} from "./alert-load.ts";
import { phaseSummary } from "./alert-phases.ts";
import { AM_KEY, oncallConfig } from "./alerts.ts";
import { connectPgStats, type PgStats, preloadPgStats } from "./pg-stats.ts";
import {
  START_ENTRY,
  startDoubles,
  startFlags,
  startTocsin,
  threadCpuMs,
  tocsinEnv,
  treeCpuMs,
  untilReady,
} from "./processes.ts";
import { percentile } from "./stats.ts";

const seconds = Number(process.argv.slice(2).find((a) => !a.startsWith("--")) ?? 15);
const profile = process.argv.includes("--cpu-prof");
const clients = Number(process.env.BENCH_CLIENTS ?? 32);
/** BENCH_RATE=n: an open loop at n posts/s instead (the same offered load before and after). */
const rate = Number(process.env.BENCH_RATE ?? 0);
/** BENCH_NEW_GROUPS=1: every post a new group (a page each), its alert-to-page time measured. */
const newGroups = process.env.BENCH_NEW_GROUPS === "1";
/** BENCH_PHASES=1: tocsin records its phases per request (TOCSIN_ALERT_PHASES), summarised here. */
const phases = process.env.BENCH_PHASES === "1";
const root = await mkdtemp(path.join(tmpdir(), "tocsin-alert-profile-"));
await chmod(root, 0o755);
const doubles = await startDoubles();
const delivered = new Map<number, () => void>();
doubles.onPages((pages) => {
  for (const [id] of pages) delivered.get(id)?.();
});

const config = path.join(root, "oncall.yaml");
await writeFile(config, oncallConfig("pageLimits: { mergeWithin: 1s, perPerson: 100000, window: 1m }\n"));
const port = await freeLoopbackPort();
const statementsFile = path.join(root, "statements.json");
const nodeOptions = [`--import=${path.join(import.meta.dirname, "count-statements.ts")}`];
if (profile) nodeOptions.push("--cpu-prof", `--cpu-prof-dir=${root}`);
const env = {
  ...tocsinEnv(path.join(root, "tocsin"), port, doubles),
  ONCALL_CONFIG: config,
  NODE_OPTIONS: nodeOptions.join(" "),
  BENCH_STATEMENTS_FILE: statementsFile,
  ...(phases ? { TOCSIN_ALERT_PHASES: path.join(root, "phases") } : {}),
  ...(process.env.TOCSIN_ALERT_HEAP ? { TOCSIN_ALERT_HEAP: process.env.TOCSIN_ALERT_HEAP } : {}),
  ...(process.env.TOCSIN_FROM_SOURCE ? { TOCSIN_FROM_SOURCE: process.env.TOCSIN_FROM_SOURCE } : {}),
};
/** BENCH_NODE_FLAGS="--max-semi-space-size=16": node's flags instead of npm start's (a comparison). */
const flags = process.env.BENCH_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? startFlags();
console.log(`node flags: ${flags.join(" ") || "(none)"}`);
/** BENCH_PG_STATS=1: pg_stat_statements loaded (one start before, to create the cluster). */
const pgStats = process.env.BENCH_PG_STATS === "1";
const postgresDir = path.join(root, "tocsin", "postgres");
if (pgStats) {
  const first = startTocsin("node", env, path.join(root, "tocsin.log"), START_ENTRY, flags);
  await untilReady(port, first.child, performance.now());
  await first.stop();
  await preloadPgStats(postgresDir);
}
const tocsin = startTocsin("node", env, path.join(root, "tocsin.log"), START_ENTRY, flags);
let stats: PgStats | undefined;
const base = `http://127.0.0.1:${port}`;
try {
  await untilReady(port, tocsin.child, performance.now());
  if (pgStats) stats = await connectPgStats(postgresDir);
  const pid = tocsin.child.pid!;
  /** Resident memory of tocsin's process (MB), from /proc. */
  const rssMb = async () =>
    Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;
  const rssStarted = await rssMb();
  const repeat = repeatedGroupPosts(`${base}/alerts/alertmanager/${AM_KEY}`);
  let marker = 1;
  /** A new group's page reaching bob: the page jobs of what came before are done. */
  const barrier = async () => {
    const id = marker++;
    const arrived = new Promise<void>((resolve) => delivered.set(id, resolve));
    const sample = await postAlert({
      url: `${base}/alerts/alertmanager/${AM_KEY}`,
      body: alertmanagerBody(`Probe${id}`, `Barrier probe ${pageMarker(id)}`, [
        { fingerprint: fingerprintOf(20_000_000 + id), status: "firing" },
      ]),
    });
    if (sample.status !== 202) throw new Error(`barrier refused: HTTP ${sample.status}`);
    await arrived;
    // Sync jobs are due at the end of their second: let the last window pass, then barrier again.
    await new Promise((resolve) => setTimeout(resolve, 1500));
  };
  const statements = async (): Promise<Record<string, number>> => {
    process.kill(pid, "SIGUSR2");
    await new Promise((resolve) => setTimeout(resolve, 200));
    return JSON.parse(await readFile(statementsFile, "utf8")) as Record<string, number>;
  };
  // Warm-up: every group opened and paged once, the code paths compiled.
  await closedLoopAlerts(repeat, 8, { total: 400 });
  await barrier();
  await barrier();

  const rssWarm = await rssMb();
  // What tocsin costs doing nothing (pollers, supervisors), to read the figures against.
  const idle0 = await treeCpuMs(pid);
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const idle1 = await treeCpuMs(pid);
  const cpu0 = await treeCpuMs(pid);
  const threads0 = await threadCpuMs(pid);
  const sql0 = await statements();
  await stats?.reset();
  const t0 = performance.now();
  const wall0 = performance.timeOrigin + t0;
  const toPage: Array<Promise<number | undefined>> = [];
  const newGroup = (): AlertPost => {
    const id = marker++;
    const sentAt = performance.now();
    toPage.push(
      Promise.race([
        new Promise<number>((resolve) => delivered.set(id, () => resolve(performance.now() - sentAt))),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000)),
      ]),
    );
    return {
      url: `${base}/alerts/alertmanager/${AM_KEY}`,
      body: alertmanagerBody(`NodeDown${id}`, `Node down on rack ${id} ${pageMarker(id)}`, [
        { fingerprint: fingerprintOf(10_000_000 + id), status: "firing" },
      ]),
    };
  };
  const next = newGroups ? newGroup : repeat;
  const samples =
    rate > 0 ? await openLoopAlerts(next, rate, seconds) : await closedLoopAlerts(next, clients, { seconds });
  const pageTimes = await Promise.all(toPage);
  const loadSeconds = (performance.now() - t0) / 1000;
  const wall1 = performance.timeOrigin + performance.now();
  const cpuLoad = await treeCpuMs(pid);
  const threadsLoad = await threadCpuMs(pid);
  await barrier();
  const cpu1 = await treeCpuMs(pid);
  const rssLoaded = await rssMb();
  const sql1 = await statements();

  const accepted = samples.filter((s) => s.status === 202).length;
  const times = samples.map((s) => s.ms);
  const perAlert = (ms: number) => (ms / accepted).toFixed(2);
  if (newGroups) {
    const arrived = pageTimes.filter((ms): ms is number => ms !== undefined);
    console.log(
      `alert to page delivered: ${arrived.length} of ${pageTimes.length} pages; p50 ${percentile(arrived, 50).toFixed(1)} ms, p99 ${percentile(arrived, 99).toFixed(1)} ms (wall: indicative)`,
    );
  }
  const load = rate > 0 ? `open loop ${rate}/s` : `closed loop ${clients} clients`;
  console.log(`${load}, ${seconds} s: ${samples.length} sent, ${accepted} accepted`);
  console.log(
    `  RSS: ${rssStarted.toFixed(0)} MB started, ${rssWarm.toFixed(0)} MB after the warm-up, ${rssLoaded.toFixed(0)} MB after the load`,
  );
  console.log(
    `  accepted/s ${(accepted / loadSeconds).toFixed(0)}; p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms (wall: indicative)`,
  );
  console.log(
    `  CPU idle: node ${((idle1.node - idle0.node) / 5).toFixed(0)} ms/s, postgres ${((idle1.postgres - idle0.postgres) / 5).toFixed(0)} ms/s`,
  );
  console.log(
    `  CPU during the load: node ${cpuLoad.node - cpu0.node} ms, postgres ${cpuLoad.postgres - cpu0.postgres} ms`,
  );
  console.log(
    `  CPU load + its jobs: node ${cpu1.node - cpu0.node} ms (${perAlert(cpu1.node - cpu0.node)} ms/alert), postgres ${cpu1.postgres - cpu0.postgres} ms (${perAlert(cpu1.postgres - cpu0.postgres)} ms/alert)`,
  );
  // Per thread during the load: the main thread's share is what queues requests (one core).
  const threadLines = Object.entries(threadsLoad)
    .map(([name, ms]) => [name, ms - (threads0[name] ?? 0)] as const)
    .filter(([, ms]) => ms > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => `${name} ${ms} ms (${perAlert(ms)} ms/alert)`);
  console.log(`  CPU during the load by thread: ${threadLines.join(", ")}`);
  const diff = Object.entries(sql1)
    .map(([kind, n]) => [kind, n - (sql0[kind] ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  const total = diff.reduce((sum, [, n]) => sum + n, 0);
  console.log(`  SQL statements: ${total} (${(total / accepted).toFixed(2)} per alert)`);
  for (const [kind, n] of diff.slice(0, 25)) console.log(`    ${String(n).padStart(7)}  ${kind}`);
  await stats?.print(accepted, "alert");
  if (phases) {
    // The probe writes every second: let the last second of the load reach its files.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const statuses = new Map<number, number>();
    for (const s of samples) statuses.set(s.status, (statuses.get(s.status) ?? 0) + 1);
    console.log(`  statuses: ${[...statuses].map(([s, n]) => `${s}: ${n}`).join(", ")}`);
    console.log("  phases during the load (ms unless counted):");
    for (const line of await phaseSummary(path.join(root, "phases"), wall0, wall1)) console.log(line);
  }
} finally {
  await stats?.end();
  await tocsin.stop();
  await doubles.stop();
}
if (profile) {
  const files = (await readdir(root)).filter((f) => f.endsWith(".cpuprofile"));
  for (const f of files) {
    // The share of the thread's samples in V8's "(garbage collector)" node: GC time on that thread.
    const cpuProfile = JSON.parse(await readFile(path.join(root, f), "utf8")) as {
      nodes: Array<{ id: number; callFrame: { functionName: string } }>;
      samples: number[];
    };
    const gcIds = new Set(
      cpuProfile.nodes.filter((n) => n.callFrame.functionName === "(garbage collector)").map((n) => n.id),
    );
    const idleIds = new Set(
      cpuProfile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id),
    );
    const busy = cpuProfile.samples.filter((id) => !idleIds.has(id)).length;
    const gc = cpuProfile.samples.filter((id) => gcIds.has(id)).length;
    console.log(
      `profile: ${path.join(root, f)} (GC ${((100 * gc) / Math.max(1, busy)).toFixed(1)}% of busy samples, whole run)`,
    );
  }
}
console.log(`data dir: ${root}`);
