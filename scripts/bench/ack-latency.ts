// Only the ack figures of `npm run bench`, for working on them: tocsin (node src/start.js with
// Slack and Matrix configured, as the bench runs it) and the bare-Bolt floor, interleaved in one
// run exactly as scripts/bench.ts does (open loop 40/s, closed loop 32 clients; each tocsin phase
// drains its backlog before the next phase), repeated, every sample counted.
//   node scripts/bench/ack-latency.ts        ACK_REPS (default 3), ACK_PHASE_S (default 10)
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freeLoopbackPort } from "../../src/db/embedded-postgres.ts";
import {
  Answers,
  closedLoop,
  newId,
  openLoop,
  type Sample,
  type Sender,
  sendCommand,
  type Target,
  Workload,
} from "./load.ts";
import { startDoubles, startFloor, startTocsin, tocsinEnv, treeCpuMs, untilReady } from "./processes.ts";
import type { Verdict } from "./slack-double.ts";
import { figures, fmtMs, type RunFigures, spread } from "./stats.ts";

const REPS = Number(process.env.ACK_REPS ?? 3);
const PHASE_S = Number(process.env.ACK_PHASE_S ?? 10);

const dataRoot = await mkdtemp(path.join(tmpdir(), "tocsin-ack-"));
// The embedded PostgreSQL runs as its own user when this runs as root: it must enter the directory.
await chmod(dataRoot, 0o755);
const doubles = await startDoubles();
const answers = new Answers();
let lastAnswerAt = performance.now();
doubles.onAnswers((batch) => {
  lastAnswerAt = performance.now();
  for (const [id, at, verdict] of batch) answers.deliver(id, at, verdict as Verdict);
});
const floorPort = await freeLoopbackPort();
const floor = await startFloor(floorPort, doubles.slackUrl);
const port = await freeLoopbackPort();
const tocsin = startTocsin(
  "node",
  tocsinEnv(path.join(dataRoot, "tocsin"), port, doubles),
  path.join(dataRoot, "tocsin.log"),
);

/** As scripts/bench.ts: no phase runs beside a tocsin backlog. */
async function drain(): Promise<void> {
  const limit = performance.now() + 300_000;
  const backlog = async () => {
    const text = await fetch(`http://127.0.0.1:${port}/metrics`)
      .then((r) => r.text())
      .catch(() => "");
    let queued = 0;
    for (const match of text.matchAll(/^tocsin_command_queue\{state="\w+"\} (\d+)/gm))
      queued += Number(match[1]);
    return queued;
  };
  while (performance.now() < limit && ((await backlog()) > 0 || performance.now() - lastAnswerAt < 1000)) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

try {
  await untilReady(port, tocsin.child, performance.now());
  const tocsinTarget: Target = {
    name: "tocsin",
    url: `http://127.0.0.1:${port}/slack/events`,
    answers: true,
  };
  const floorTarget: Target = {
    name: "floor",
    url: `http://127.0.0.1:${floorPort}/slack/events`,
    answers: false,
  };
  const senderOf = (target: Target): Sender => ({ target, slackBase: doubles.slackBase, answers });
  const year = new Date().getUTCFullYear();
  const publicIds: string[] = [];
  for (let i = 1; i <= 24; i++) {
    const id = newId();
    const sample = await sendCommand(senderOf(tocsinTarget), "declare", `declare "Setup bq${id}q" sev:3`, id);
    if (sample.outcome !== "ok") throw new Error(`setup declare ${i}: ${sample.outcome}`);
    publicIds.push(`INC-${year}-${String(i).padStart(4, "0")}`);
  }
  const workloads = {
    tocsin: new Workload(publicIds.slice(0, 8), publicIds.slice(8)),
    floor: new Workload(publicIds.slice(0, 8), publicIds.slice(8)),
  };
  const scenarios = [
    { name: "open loop 40/s", run: (s: Sender, w: Workload) => openLoop(s, w, 40, PHASE_S) },
    { name: "closed loop 32 clients", run: (s: Sender, w: Workload) => closedLoop(s, w, 32, PHASE_S) },
  ];
  const runs = new Map<string, { tocsin: RunFigures[]; floor: RunFigures[] }>();
  const pid = await tocsin.nodePid();
  for (let rep = 0; rep < REPS; rep++) {
    for (const scenario of scenarios) {
      const entry = runs.get(scenario.name) ?? { tocsin: [], floor: [] };
      runs.set(scenario.name, entry);
      const order = rep % 2 === 0 ? [tocsinTarget, floorTarget] : [floorTarget, tocsinTarget];
      for (const target of order) {
        const t0 = performance.now();
        const cpu0 = await treeCpuMs(pid);
        const samples: Sample[] = await scenario.run(
          senderOf(target),
          workloads[target.name as "tocsin" | "floor"],
        );
        const seconds = (performance.now() - t0) / 1000;
        const cpu1 = await treeCpuMs(pid);
        const run = figures(samples, seconds, target.answers);
        entry[target.name as "tocsin" | "floor"].push(run);
        process.stderr.write(
          `rep ${rep + 1} ${scenario.name} ${target.name}: sent ${run.sent}, ack p50 ${run.ackP50.toFixed(1)} p99 ${run.ackP99.toFixed(1)} ms, ${run.perSecond.toFixed(0)}/s, failures ${JSON.stringify(run.failures)}${target.answers ? `, tocsin node CPU ${((cpu1.node - cpu0.node) / run.sent).toFixed(2)} ms/command` : ""}\n`,
        );
        if (target.answers) await drain();
      }
    }
  }
  for (const [name, entry] of runs) {
    const t = spread(entry.tocsin.map((r) => r.ackP99));
    const f = spread(entry.floor.map((r) => r.ackP99));
    const ratios = entry.tocsin.map((r, i) => r.ackP99 / (entry.floor[i]?.ackP99 ?? Number.NaN));
    process.stdout.write(
      `${name}: tocsin ack p99 ${fmtMs(t)} ms; floor ack p99 ${fmtMs(f)} ms; ratio of medians ${(t.median / f.median).toFixed(2)}x; per-rep ratios ${ratios.map((r) => r.toFixed(2)).join(", ")}\n`,
    );
  }
} finally {
  await tocsin.stop();
  await floor.stop();
  await doubles.stop();
  if (!process.env.ACK_KEEP) await rm(dataRoot, { recursive: true, force: true });
}
