// Benchmarks: `npm run bench` prints a table of figures measured on this machine. Not part of
// `npm test`: timing assertions in a test suite only measure how busy the machine is.
//
//   ack latency        signed `/inc declare` slash commands to tocsin (real Bolt on tocsin's
//                      HTTP server, real WebClient to the local Slack double, full database
//                      write after the ack) next to a bare Bolt app acking an empty handler,
//                      in the same run; the ratio is what tocsin costs over Slack's floor
//   commands/s         `/inc note` commands through the router on the embedded PostgreSQL,
//                      16 at a time
//   job timing error   how late a durable job (escalation step, reminder) runs after its due
//                      time with the default 250 ms poll
//   cold start, RSS    a real `node src/main.ts` process: time to ready, RSS idle and after
//                      2,000 commands
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { App as BoltApp, HTTPReceiver } from "@slack/bolt";
import { z } from "zod";
import { createApp } from "../src/app.ts";
import { ConsolePlatform } from "../src/chat/console/console-platform.ts";
import { SLACK_EVENTS_PATH, SlackPlatform } from "../src/chat/slack/slack-platform.ts";
import { systemClock } from "../src/clock.ts";
import { openDatabase } from "../src/db/database.ts";
import { freeLoopbackPort } from "../src/db/embedded-postgres.ts";
import { HttpServer } from "../src/http/server.ts";
import { JobQueue } from "../src/jobs/queue.ts";
import { silentLogger } from "../src/logging.ts";
import { SlackRequestSender, SlackWebApiDouble } from "../test/doubles/slack-web-api.ts";
import { QUICK_ESCALATION_ONCALL } from "../test/support/quick-escalation.ts";

const SIGNING_SECRET = "bench-signing-secret";
const ROOT = path.resolve(import.meta.dirname, "..");
const rows: Array<[string, string, string]> = [];

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

async function benchAckLatency(dataDir: string, requests: number): Promise<void> {
  const slack = await SlackWebApiDouble.start();
  const alice = { id: "U0ALICE", name: "alice" };
  slack.addUser({ id: alice.id, name: alice.name, displayName: "alice" });
  const soc = slack.addChannel({ name: "soc", members: [alice.id] });

  // The floor: a bare Bolt app that acks an empty handler, on the same machine in the same run.
  const bareReceiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, endpoints: SLACK_EVENTS_PATH });
  const bare = new BoltApp({
    receiver: bareReceiver,
    token: slack.botToken,
    clientOptions: { slackApiUrl: slack.apiUrl },
  });
  bare.command("/inc", async ({ ack }) => {
    await ack();
  });
  const barePort = await freeLoopbackPort();
  await bare.start({ port: barePort, host: "127.0.0.1" });

  const database = await openDatabase({ embeddedDataDir: path.join(dataDir, "ack", "postgres") });
  const http = new HttpServer(silentLogger);
  const platform = new SlackPlatform({
    botToken: slack.botToken,
    signingSecret: SIGNING_SECRET,
    apiUrl: slack.apiUrl,
    http,
    log: silentLogger,
  });
  const app = createApp({
    db: database.prisma,
    clock: systemClock,
    log: silentLogger,
    platforms: [platform],
    http,
  });
  await app.start();
  const port = await http.listen(0, "127.0.0.1");

  const measure = async (url: string, label: string) => {
    const sender = new SlackRequestSender(url, SIGNING_SECRET, slack);
    const latencies: number[] = [];
    for (let i = 0; i < requests; i++) {
      const sent = await sender.slashCommand({
        command: "/inc",
        text: `declare "Bench ${label} ${i}" sev:3`,
        user: alice,
        channel: soc,
      });
      if (sent.status !== 200) throw new Error(`${label}: HTTP ${sent.status}`);
      latencies.push(sent.elapsedMs);
    }
    return latencies;
  };
  // Warm both up, then measure them interleaved in halves so drift hits both alike.
  await measure(`http://127.0.0.1:${barePort}${SLACK_EVENTS_PATH}`, "warm-bare");
  await measure(`http://127.0.0.1:${port}${SLACK_EVENTS_PATH}`, "warm");
  const bareLatencies: number[] = [];
  const tocsinLatencies: number[] = [];
  for (let half = 0; half < 2; half++) {
    bareLatencies.push(...(await measure(`http://127.0.0.1:${barePort}${SLACK_EVENTS_PATH}`, "bare")));
    tocsinLatencies.push(...(await measure(`http://127.0.0.1:${port}${SLACK_EVENTS_PATH}`, "tocsin")));
  }
  const until = Date.now() + 30_000;
  const expected = 2 * requests + requests / 2;
  while ((await database.prisma.incident.count()) < expected && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const declared = await database.prisma.incident.count();

  rows.push([
    "ack latency, bare Bolt (empty handler)",
    `p50 ${ms(percentile(bareLatencies, 50))}, p99 ${ms(percentile(bareLatencies, 99))}`,
    `${bareLatencies.length} signed requests`,
  ]);
  rows.push([
    "ack latency, tocsin /inc declare",
    `p50 ${ms(percentile(tocsinLatencies, 50))}, p99 ${ms(percentile(tocsinLatencies, 99))}`,
    `${tocsinLatencies.length} requests; ${declared} of ${expected} incidents written (channel, summary) 30 s after the last ack`,
  ]);
  rows.push([
    "ack p99 ratio tocsin / bare Bolt",
    `${(percentile(tocsinLatencies, 99) / percentile(bareLatencies, 99)).toFixed(2)}x`,
    "target: within 2x",
  ]);

  await http.close();
  await app.stop();
  await bare.stop();
  await slack.close();
  await database.close();
}

async function benchThroughput(dataDir: string, commands: number, concurrency: number): Promise<void> {
  const database = await openDatabase({ embeddedDataDir: path.join(dataDir, "throughput", "postgres") });
  const consolePlatform = new ConsolePlatform({
    input: new PassThrough(),
    output: new PassThrough().resume(),
    interactive: false,
    user: "alice",
  });
  const app = createApp({
    db: database.prisma,
    clock: systemClock,
    log: silentLogger,
    platforms: [consolePlatform],
  });
  await app.start();
  await consolePlatform.submit("/inc declare Throughput target");
  const room = "#inc-2026-0001-throughput-target";
  let sent = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (sent < commands) {
        sent++;
        await app.router.handle({
          platform: "console",
          actor: { externalId: `user${worker}`, displayName: `user${worker}` },
          room: { roomId: room, name: room },
          text: `/inc note note ${sent} from worker ${worker}`,
          dedupeKey: `bench:${worker}:${sent}`,
          replyTarget: { platform: "console", roomId: room, callerId: `user${worker}` },
        });
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const notes = await database.prisma.timelineEntry.count({ where: { kind: "note" } });
  rows.push([
    "commands per second (embedded PostgreSQL)",
    `${(notes / seconds).toFixed(0)} /s`,
    `${notes} /inc note with timeline + audit + announcement, ${concurrency} at a time; target >= 300`,
  ]);
  await app.stop();
  await database.close();
}

async function benchJobTiming(dataDir: string, jobs: number): Promise<void> {
  const database = await openDatabase({ embeddedDataDir: path.join(dataDir, "jobs", "postgres") });
  const queue = new JobQueue(database.prisma, systemClock, silentLogger);
  const lateness: number[] = [];
  const bench = queue.define({
    kind: "bench",
    payload: z.object({}),
    handler: async (job) => {
      lateness.push(Date.now() - job.dueAt.getTime());
    },
  });
  queue.start();
  const start = Date.now() + 500;
  for (let i = 0; i < jobs; i++) {
    await bench.enqueue(database.prisma, { payload: {}, dueAt: new Date(start + i * 37) });
  }
  while (lateness.length < jobs) await new Promise((resolve) => setTimeout(resolve, 50));
  await queue.stop();
  rows.push([
    "durable job timing error (250 ms poll)",
    `p50 ${ms(percentile(lateness, 50))}, p99 ${ms(percentile(lateness, 99))}`,
    `${jobs} jobs due over ${((jobs * 37) / 1000).toFixed(1)} s`,
  ]);
  await database.close();
}

/** The Node flags of `npm start`, so the process measured is the one people run. */
function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    scripts: { start: string };
  };
  return pkg.scripts.start.split(/\s+/).filter((word) => word.startsWith("--"));
}

/**
 * Declare-to-page latency (a SEV1 declare pages the on-call: time until the DM is handed to the
 * platform) and escalation timing error (how late level 2 fires after level 1's 2 s timeout).
 */
async function benchPaging(dataDir: string, incidents: number): Promise<void> {
  const { parseOncallConfig } = await import("../src/oncall/config.ts");
  const database = await openDatabase({ embeddedDataDir: path.join(dataDir, "paging", "postgres") });
  const consolePlatform = new ConsolePlatform({
    input: new PassThrough(),
    output: new PassThrough().resume(),
    interactive: false,
    user: "carol",
  });
  // A probe on the outbound seam: when each DM reaches the platform.
  const dms: Array<{ to: string; text: string; at: number }> = [];
  const deliver = consolePlatform.directMessage.bind(consolePlatform);
  consolePlatform.directMessage = async (to, message) => {
    dms.push({ to, text: JSON.stringify(message.blocks), at: performance.now() });
    await deliver(to, message);
  };
  const app = createApp({
    db: database.prisma,
    clock: systemClock,
    log: silentLogger,
    platforms: [consolePlatform],
    oncall: { config: parseOncallConfig(QUICK_ESCALATION_ONCALL, "bench-oncall.yaml") },
  });
  await app.start();
  const pageLatency: number[] = [];
  const declaredAt = new Map<string, number>();
  for (let i = 1; i <= incidents; i++) {
    const id = `INC-${new Date().getUTCFullYear()}-${String(i).padStart(4, "0")}`;
    const started = performance.now();
    declaredAt.set(id, started);
    await app.router.handle({
      platform: "console",
      actor: { externalId: "carol", displayName: "carol" },
      room: { roomId: "#soc", name: "#soc" },
      text: `/inc declare "Paging bench ${i}" sev:1 team:csirt`,
      dedupeKey: `paging-bench:${i}`,
      replyTarget: { platform: "console", roomId: "#soc", callerId: "carol" },
    });
    const dm = dms.find((d) => d.to === "bob" && d.text.includes(id));
    if (dm) pageLatency.push(dm.at - started);
  }
  // Level 2 (alice) is due 2 s after level 1 fired; wait for all of them.
  const deadline = Date.now() + 30_000;
  while (dms.filter((d) => d.to === "alice").length < incidents && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const lateness: number[] = [];
  for (const [id] of declaredAt) {
    const first = dms.find((d) => d.to === "bob" && d.text.includes(id));
    const second = dms.find((d) => d.to === "alice" && d.text.includes(id));
    if (first && second) lateness.push(second.at - first.at - 2000);
  }
  rows.push([
    "declare-to-page-delivered latency",
    `p50 ${ms(percentile(pageLatency, 50))}, p99 ${ms(percentile(pageLatency, 99))}`,
    `${pageLatency.length} SEV1 declares paging the on-call; target p99 < 250 ms`,
  ]);
  rows.push([
    "escalation timing error",
    `p50 ${ms(percentile(lateness, 50))}, p99 ${ms(percentile(lateness, 99))}`,
    `${lateness.length} level-2 steps, lateness after the 2 s timeout`,
  ]);
  await app.stop();
  await database.close();
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

async function benchProcess(dataDir: string, commands: number): Promise<void> {
  const processDir = path.join(dataDir, "process");
  const run = async () => {
    const child = spawn(process.execPath, [...startFlags(), path.join(ROOT, "src/main.ts")], {
      env: { PATH: process.env.PATH ?? "", TOCSIN_DATA_DIR: processDir, LOG_LEVEL: "info" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const started = performance.now();
    let stderr = "";
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    await new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('"tocsin ready"')) resolve();
      });
      child.on("exit", () => reject(new Error(`tocsin exited before ready:\n${stderr}`)));
    });
    return { child, readyMs: performance.now() - started, output: () => stdout };
  };
  const first = await run();
  first.child.stdin.end();
  await new Promise((resolve) => first.child.on("exit", resolve));
  const second = await run();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idle = await rssOf(second.child.pid!);
  second.child.stdin.write("/inc declare RSS target\n");
  for (let i = 0; i < commands; i++) second.child.stdin.write(`/inc note INC-2026-0001 load ${i}\n`);
  let peak = idle;
  while (!second.output().includes(`load ${commands - 1}`)) {
    peak = Math.max(peak, await rssOf(second.child.pid!));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  peak = Math.max(peak, await rssOf(second.child.pid!));
  second.child.stdin.end();
  await new Promise((resolve) => second.child.on("exit", resolve));
  rows.push(["cold start, first run (initdb + migrate)", ms(first.readyMs), "process start to ready"]);
  rows.push(["cold start, later runs", ms(second.readyMs), "process start to ready; target well under 2 s"]);
  rows.push(["RSS idle", `${idle.toFixed(0)} MB`, "tocsin process, console platform; target < 150 MB"]);
  rows.push(["RSS under load", `${peak.toFixed(0)} MB`, `peak while handling ${commands} piped commands`]);
}

const dataDir = await mkdtemp(path.join(tmpdir(), "tocsin-bench-"));
const { chmod } = await import("node:fs/promises");
await chmod(dataDir, 0o755);
try {
  // BENCH_ONLY=throughput (or ack, jobs, process) runs one part, for profiling.
  const only = process.env.BENCH_ONLY;
  const wanted = (part: string) => !only || only.split(",").includes(part);
  if (wanted("ack")) await benchAckLatency(dataDir, Number(process.env.BENCH_REQUESTS ?? 500));
  if (wanted("throughput")) await benchThroughput(dataDir, Number(process.env.BENCH_COMMANDS ?? 3000), 16);
  if (wanted("jobs")) await benchJobTiming(dataDir, 100);
  if (wanted("paging")) await benchPaging(dataDir, 50);
  if (wanted("process")) await benchProcess(dataDir, 2000);
} finally {
  await rm(dataDir, { recursive: true, force: true });
}

const widths = [0, 1, 2].map((i) =>
  Math.max(...rows.map((r) => (r[i] ?? "").length), ["measure", "result", "notes"][i]!.length),
);
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ");
console.log(
  `tocsin benchmarks, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${(await import("node:os")).cpus().length} cores`,
);
console.log(line(["measure", "result", "notes"]));
console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
for (const row of rows) console.log(line(row));
process.exit(0);
