// The processes the benchmark measures or talks to: tocsin as npm start's command or `npm start`,
// the bare Bolt floor, and the doubles' process; readiness, RSS and clean stops.
import { type ChildProcess, fork, spawn } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { FromDoubles, ToDoubles } from "./doubles-process.ts";

export const ROOT = path.resolve(import.meta.dirname, "../..");

/** `npm start`'s command line (`node <flags> <entry>`), so node runs tocsin as npm start does. */
function startCommand(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    scripts: { start: string };
  };
  return pkg.scripts.start.split(/\s+/).slice(1);
}

/** The Node flags of `npm start`. */
export function startFlags(): string[] {
  return startCommand().filter((word) => word.startsWith("--"));
}

/** The file `npm start` runs (src/start.js). */
export const START_ENTRY = startCommand().at(-1) ?? "src/main.ts";

/** CPU time (user + system) a process has used so far, in milliseconds. */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat(5); 100 clock ticks per second on Linux.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** User and system (kernel) CPU time of a process, in milliseconds: syscalls (socket writes, wakeups) show as system. */
export async function userSystemMs(pid: number): Promise<{ user: number; system: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}

/**
 * CPU time of each thread of a process, in milliseconds, by thread name (`main` for the main
 * thread; V8's GC and compiler helpers, libuv's pool and worker threads by their own names, the
 * threads of one name summed).
 */
export async function threadCpuMs(pid: number): Promise<Record<string, number>> {
  const byName: Record<string, number> = {};
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
    const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, "utf8").catch(() => undefined);
    if (!stat) continue;
    const name = Number(tid) === pid ? "main" : stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    byName[name] = (byName[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) * 10;
  }
  return byName;
}

/** CPU time of a process and everything beneath it (tocsin's own PostgreSQL and its backends). */
export async function treeCpuMs(pid: number): Promise<{ node: number; postgres: number }> {
  const node = await cpuMs(pid).catch(() => 0);
  let postgres = 0;
  const walk = async (parent: number): Promise<void> => {
    for (const child of await childrenOf(parent)) {
      postgres += await cpuMs(child).catch(() => 0);
      await walk(child);
    }
  };
  await walk(pid);
  return { node, postgres };
}

export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

/**
 * The RSS of an idle process once it has settled: read every second from `minMs` after now until
 * the last `samples` readings lie within `spreadMb` of each other (or `limitMs` has passed), then
 * the highest of those readings, so a reading caught in a dip between collections never counts.
 * Both the bench and start-breakdown.ts read idle memory this way.
 */
export async function settledRssMb(
  pid: number,
  { minMs = 10_000, samples = 5, spreadMb = 2, limitMs = 60_000 } = {},
): Promise<number> {
  const began = performance.now();
  const readings: number[] = [];
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    readings.push(await rssMb(pid));
    const last = readings.slice(-samples);
    const elapsed = performance.now() - began;
    const steady = last.length === samples && Math.max(...last) - Math.min(...last) <= spreadMb;
    if (elapsed >= minMs && (steady || elapsed >= limitMs)) return Math.max(...last);
  }
}

export interface Doubles {
  slackUrl: string;
  slackBase: string;
  matrixUrl: string;
  onAnswers(listener: (answers: Array<[number, number, string]>, refusals: string[]) => void): void;
  /** Alert pages delivered as direct messages: [alert marker id, arrival time]. */
  onPages(listener: (pages: Array<[number, number]>) => void): void;
  calls(): Promise<Record<string, number>>;
  /** The doubles' process id (its CPU is part of the machine's budget in a bench). */
  pid: number;
  stop(): Promise<void>;
}

export async function startDoubles(): Promise<Doubles> {
  const child = fork(path.join(import.meta.dirname, "doubles-process.ts"), [], { stdio: "inherit" });
  const listeners: Array<(answers: Array<[number, number, string]>, refusals: string[]) => void> = [];
  const pageListeners: Array<(pages: Array<[number, number]>) => void> = [];
  let callsWaiter: ((calls: Record<string, number>) => void) | undefined;
  const ready = await new Promise<FromDoubles & { kind: "ready" }>((resolve, reject) => {
    child.on("message", (message: FromDoubles) => {
      if (message.kind === "ready") resolve(message);
      if (message.kind === "answers")
        for (const listener of listeners) listener(message.answers, message.refusals);
      if (message.kind === "pages") for (const listener of pageListeners) listener(message.pages);
      if (message.kind === "calls") callsWaiter?.(message.calls);
    });
    child.once("exit", () => reject(new Error("the doubles' process exited")));
  });
  const send = (message: ToDoubles) => child.send(message);
  return {
    slackUrl: ready.slackUrl,
    slackBase: ready.slackUrl.replace(/\/api\/$/, ""),
    matrixUrl: ready.matrixUrl,
    pid: child.pid ?? 0,
    onAnswers: (listener) => listeners.push(listener),
    onPages: (listener) => pageListeners.push(listener),
    calls: () =>
      new Promise((resolve) => {
        callsWaiter = resolve;
        send({ kind: "calls" });
      }),
    async stop() {
      send({ kind: "stop" });
      await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}

export interface Running {
  child: ChildProcess;
  /** The node process of tocsin (under `npm start`, npm's child). */
  nodePid(): Promise<number>;
  stop(): Promise<void>;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  };
}

export function tocsinEnv(dataDir: string, port: number, doubles: Doubles): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    TOCSIN_DATA_DIR: dataDir,
    HTTP_PORT: String(port),
    HTTP_HOST: "127.0.0.1",
    SLACK_BOT_TOKEN: "xoxb-bench-token",
    SLACK_SIGNING_SECRET: "bench-signing-secret",
    SLACK_API_URL: doubles.slackUrl,
    MATRIX_HOMESERVER_URL: doubles.matrixUrl,
    MATRIX_ACCESS_TOKEN: "syt_bench_token",
    MATRIX_USER_ID: "@tocsin:bench.test",
    LOG_LEVEL: "info",
  };
}

/** Starts tocsin (`node` with npm start's flags, or `npm start` itself); logs go to `logFile`. */
export function startTocsin(
  how: "node" | "npm",
  env: Record<string, string>,
  logFile: string,
  entry = START_ENTRY,
  flags = startFlags(),
): Running {
  const out = openSync(logFile, "a");
  const child =
    how === "node"
      ? spawn(process.execPath, [...flags, path.resolve(ROOT, entry)], {
          env,
          cwd: ROOT,
          stdio: ["ignore", out, out],
        })
      : spawn("npm", ["start", "--silent"], {
          env: { ...env, PATH: `${path.dirname(process.execPath)}:${env.PATH}` },
          cwd: ROOT,
          stdio: ["ignore", out, out],
        });
  return {
    child,
    async nodePid() {
      if (how === "node") return child.pid!;
      // npm runs `node ...` through a shell or directly: find the node process beneath it.
      return deepestChild(child.pid!);
    },
    stop: how === "node" ? stopper(child) : stopTree(child),
  };
}

async function childrenOf(pid: number): Promise<number[]> {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8");
    return text.trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function deepestChild(pid: number): Promise<number> {
  for (;;) {
    const [first] = await childrenOf(pid);
    if (first === undefined) return pid;
    // npm may run a shell first (`sh -c "node ... src/start.js"`): the node process is the one.
    const argv = (await readFile(`/proc/${first}/cmdline`, "utf8").catch(() => "")).split("\0");
    if (/(^|\/)node$/.test(argv[0] ?? "") && argv.some((arg) => arg.endsWith(START_ENTRY))) return first;
    pid = first;
  }
}

function stopTree(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null) return;
    const node = await deepestChild(child.pid!);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    // SIGTERM to tocsin itself: it shuts its PostgreSQL down; npm then exits.
    process.kill(node, "SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  };
}

/** Milliseconds from now until /readyz answers 200 (polled every 10 ms), or throws. */
export async function untilReady(
  port: number,
  child: ChildProcess,
  started: number,
  limitMs = 60_000,
): Promise<number> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tocsin exited (${child.exitCode}) before it was ready`);
    const status = await fetch(`http://127.0.0.1:${port}/readyz`)
      .then((r) => r.status)
      .catch(() => 0);
    if (status === 200) return performance.now() - started;
    if (performance.now() - started > limitMs) throw new Error("tocsin was not ready within a minute");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The floor: a bare Bolt app in its own process. */
export async function startFloor(port: number, slackUrl: string): Promise<Running> {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, "bare-bolt.ts")], {
    env: {
      PATH: process.env.PATH ?? "",
      BENCH_PORT: String(port),
      BENCH_SIGNING_SECRET: "bench-signing-secret",
      BENCH_SLACK_API_URL: slackUrl,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve();
    });
    child.once("exit", () => reject(new Error("the bare Bolt floor exited")));
  });
  return { child, nodePid: async () => child.pid!, stop: stopper(child) };
}

/** The alerts floor; with `durableDataDir`, the durable floor (alert-floor.ts says what each is). */
export async function startAlertFloor(port: number, durableDataDir?: string): Promise<Running> {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, "alert-floor.ts")], {
    env: {
      PATH: process.env.PATH ?? "",
      BENCH_PORT: String(port),
      ...(durableDataDir ? { BENCH_FLOOR_DATA_DIR: durableDataDir } : {}),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve();
    });
    child.once("exit", () => reject(new Error("the alerts floor exited")));
  });
  return { child, nodePid: async () => child.pid!, stop: stopper(child) };
}
