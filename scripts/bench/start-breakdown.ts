// Where a cold start's time and an idle tocsin's memory go, on this machine: tocsin started N
// times as `node src/start.js` with npm start's flags (Slack + Matrix configured against the
// bench's doubles), LOG_LEVEL=debug so each phase's log line has its time. Prints, per start,
// milliseconds from spawn to each phase, CPU until ready, and the idle RSS once settled (read as
// the bench reads it: processes.ts settledRssMb).
//   node scripts/bench/start-breakdown.ts [starts=5] [how=node|npm]
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freeLoopbackPort } from "../../src/db/embedded-postgres.ts";
import {
  START_ENTRY,
  settledRssMb,
  startDoubles,
  startFlags,
  startTocsin,
  tocsinEnv,
  treeCpuMs,
  untilReady,
} from "./processes.ts";

const STARTS = Number(process.argv[2] ?? 5);
const HOW = (process.argv[3] ?? "node") as "node" | "npm";
// BREAKDOWN_FLAGS replaces npm start's node flags (node only), to compare V8 settings.
const FLAGS = process.env.BREAKDOWN_FLAGS?.split(" ").filter(Boolean) ?? startFlags();
const dataRoot = await mkdtemp(path.join(tmpdir(), "tocsin-start-"));
await chmod(dataRoot, 0o755);
const doubles = await startDoubles();
const port = await freeLoopbackPort();
const env = { ...tocsinEnv(path.join(dataRoot, "tocsin"), port, doubles), LOG_LEVEL: "debug", ...extraEnv() };

function extraEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith("START_ENV_") && v) out[k.slice(10)] = v;
  return out;
}

/** Interesting log lines: the first line matching each pattern, by its pino time. */
const PHASES: Array<[string, RegExp]> = [
  ["first log", /./],
  ["postgres: ready", /ready to accept connections/],
  ["migrations checked", /migrations|HTTP server|tocsin ready/],
  ["tocsin ready", /tocsin ready/],
];

try {
  const firstLog = path.join(dataRoot, "first.log");
  const first = startTocsin("node", env, firstLog);
  const t = performance.now();
  const firstMs = await untilReady(port, first.child, t);
  const firstRss = await settledRssMb(await first.nodePid());
  console.log(
    `first start (initdb + migrations): ${firstMs.toFixed(0)} ms | idle rss ${firstRss.toFixed(0)} MB`,
  );
  await first.stop();
  for (let i = 0; i < STARTS; i++) {
    const logFile = path.join(dataRoot, `start-${i}.log`);
    const spawnedAt = Date.now();
    const t0 = performance.now();
    const tocsin = startTocsin(HOW, env, logFile, process.env.BREAKDOWN_ENTRY ?? START_ENTRY, FLAGS);
    const readyMs = await untilReady(port, tocsin.child, t0);
    const cpu =
      HOW === "node" ? await treeCpuMs(tocsin.child.pid!) : { node: Number.NaN, postgres: Number.NaN };
    const rss = await settledRssMb(await tocsin.nodePid());
    await tocsin.stop();
    const lines = (await readFile(logFile, "utf8")).split("\n").filter((l) => l.startsWith("{"));
    const marks = PHASES.map(([name, pattern]) => {
      const line = lines.find((l) => pattern.test(l));
      const time = line ? (JSON.parse(line) as { time: number }).time : Number.NaN;
      return `${name} ${(time - spawnedAt).toFixed(0)}`;
    });
    const readyLine = lines.find((l) => /tocsin ready/.test(l));
    const inMain = readyLine ? (JSON.parse(readyLine) as { ms: number }).ms : Number.NaN;
    console.log(
      `start ${i + 1}: ready ${readyMs.toFixed(0)} ms | ${marks.join(" | ")} | main.ts ${inMain} ms | cpu node ${cpu.node} pg ${cpu.postgres} | idle rss ${rss.toFixed(0)} MB`,
    );
  }
} finally {
  await doubles.stop();
  if (!process.env.KEEP) await rm(dataRoot, { recursive: true, force: true });
  else console.log(dataRoot);
}
