// Where a start's CPU goes until /readyz, by thread: tocsin started N times (after a first start
// that creates the cluster) as `node --cpu-prof src/start.js` (npm start's command), Slack +
// Matrix configured against the bench's doubles, stopped as soon as /readyz answers 200. Each
// thread's V8 profile (the main thread and the Slack ack thread) is cut at that moment (V8's
// profile clock and process.hrtime are both CLOCK_MONOTONIC) and summarised: busy and GC time,
// self time by owner (package, tocsin folder or bundle chunk), the heaviest functions, and the
// time spent inside zod by the tocsin module whose code called it (which schemas cost what).
//   node scripts/bench/start-profile.ts [starts=3]
// With TOCSIN_FROM_SOURCE=1 in START_ENV_TOCSIN_FROM_SOURCE the sources run (real file names
// per owner; the bundle keeps function names but puts tocsin and its packages in a few chunks).
import { chmod, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freeLoopbackPort } from "../../src/db/embedded-postgres.ts";
import type { CallFrame, CpuProfile } from "./cpu-profile.ts";
import {
  ROOT,
  START_ENTRY,
  startDoubles,
  startFlags,
  startTocsin,
  tocsinEnv,
  untilReady,
} from "./processes.ts";

const STARTS = Number(process.argv[2] ?? 3);
const TOP = Number(process.env.PROFILE_TOP ?? 25);

/** Who a frame belongs to: a package, a tocsin folder, a bundle chunk, Node or V8. */
function owner(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith("(") ? frame.functionName : "(native)";
  if (url.startsWith("node:")) return "node:internal";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg && !url.includes("/.cache/tocsin-build/")) return pkg[1]!;
  const chunk = /\.cache\/tocsin-build\/[^/]+\/(.+)$/.exec(url);
  if (chunk) return `bundle:${chunk[1]!.replace(/-[A-Za-z0-9_-]{8}\.js$/, ".js")}`;
  const rel = path.relative(ROOT, url.replace(/^file:\/\//, ""));
  return rel.split("/").slice(0, 2).join("/");
}

function isZod(frame: CallFrame): boolean {
  return /node_modules\/zod\//.test(frame.url);
}

function summarise(name: string, profile: CpuProfile, cutoffUs: number): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const fns = new Map<string, number>();
  const zodBy = new Map<string, number>();
  let t = profile.startTime;
  let busy = 0;
  let gc = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (t > cutoffUs) break;
    const node = byId.get(profile.samples[i]!)!;
    const frame = node.callFrame;
    if (frame.functionName === "(idle)") continue;
    const ms = dt / 1000;
    busy += ms;
    if (frame.functionName === "(garbage collector)") gc += ms;
    const who = owner(frame);
    self.set(who, (self.get(who) ?? 0) + ms);
    const fn = `${frame.functionName || "(anonymous)"} ${who}:${frame.lineNumber + 1}`;
    fns.set(fn, (fns.get(fn) ?? 0) + ms);
    // Inside zod: charge the first caller outside zod (the module building or using the schema).
    let inZod = false;
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      if (isZod(f)) inZod = true;
      else if (inZod && f.url) {
        const caller = path.relative(ROOT, f.url.replace(/^file:\/\//, ""));
        zodBy.set(caller, (zodBy.get(caller) ?? 0) + ms);
        break;
      }
    }
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `    ${v.toFixed(1).padStart(7)} ms  ${k}`)
      .join("\n");
  const zodTotal = [...zodBy.values()].reduce((a, b) => a + b, 0);
  console.log(
    `  ${name}: busy ${busy.toFixed(0)} ms until ready, GC ${gc.toFixed(0)} ms, zod ${zodTotal.toFixed(0)} ms`,
  );
  console.log(`   self time by owner:\n${top(self, 15)}`);
  console.log(`   heaviest functions (self):\n${top(fns, TOP)}`);
  if (zodBy.size) console.log(`   zod time by calling module:\n${top(zodBy, 15)}`);
}

const dataRoot = await mkdtemp(path.join(tmpdir(), "tocsin-start-profile-"));
await chmod(dataRoot, 0o755);
const doubles = await startDoubles();
const port = await freeLoopbackPort();
const env = { ...tocsinEnv(path.join(dataRoot, "tocsin"), port, doubles), ...extraEnv() };

function extraEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith("START_ENV_") && v) out[k.slice(10)] = v;
  return out;
}

try {
  const first = startTocsin("node", env, path.join(dataRoot, "first.log"));
  await untilReady(port, first.child, performance.now());
  await first.stop();
  for (let i = 0; i < STARTS; i++) {
    const dir = path.join(dataRoot, `profile-${i}`);
    const t0 = performance.now();
    const tocsin = startTocsin("node", env, path.join(dataRoot, `start-${i}.log`), START_ENTRY, [
      ...startFlags(),
      "--cpu-prof",
      `--cpu-prof-dir=${dir}`,
    ]);
    const readyMs = await untilReady(port, tocsin.child, t0, 120_000);
    const cutoffUs = Number(process.hrtime.bigint() / 1000n);
    await tocsin.stop();
    console.log(`start ${i + 1}: ready ${readyMs.toFixed(0)} ms (profiling slows it)`);
    const files = (await readdir(dir)).filter((f) => f.endsWith(".cpuprofile")).sort();
    for (const f of files) {
      const profile = JSON.parse(await readFile(path.join(dir, f), "utf8")) as CpuProfile;
      // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread.
      const thread = f.split(".")[4] === "0" ? "main thread" : `worker thread ${f.split(".")[4]}`;
      summarise(thread, profile, cutoffUs);
    }
  }
} finally {
  await doubles.stop();
  if (!process.env.KEEP) await rm(dataRoot, { recursive: true, force: true });
  else console.log(dataRoot);
}
