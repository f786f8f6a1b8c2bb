// Runs tocsin as a real process (`node src/main.ts`, or `npm start` as the README says), as a
// user or an init system would, for tests of start-up, restarts and crashes.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { until } from "./waiting.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const MAIN = path.join(ROOT, "src/main.ts");

export interface TocsinProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Types a line on tocsin's stdin. */
  type(line: string): void;
  /** Resolves once stdout contains `text` (rejects after a timeout, with what was printed). */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /** Ends stdin and resolves with the exit code. */
  finish(): Promise<number | null>;
  /**
   * Sends `signal` to tocsin itself (under `npm start`, the node process beneath npm, since npm
   * exits at once on SIGTERM and would leave tocsin running) and resolves with the exit code.
   */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/**
 * `via: "npm"` runs `npm start` in the repository (npm's flags, the README's command): stdin,
 * stdout and exit code pass through npm, and ending stdin ends tocsin as with `node`.
 */
export function startTocsin(
  env: Record<string, string>,
  options: { via?: "node" | "npm" } = {},
): TocsinProcess {
  const fullEnv = {
    // npm runs `node` from PATH: then the one running the tests comes first.
    PATH:
      options.via === "npm"
        ? `${path.dirname(process.execPath)}:${process.env.PATH ?? ""}`
        : (process.env.PATH ?? ""),
    HOME: process.env.HOME ?? "/tmp",
    TOCSIN_CONSOLE_USER: "alice",
    ...env,
  };
  const child =
    options.via === "npm"
      ? spawn("npm", ["start", "--silent"], { cwd: ROOT, env: fullEnv, stdio: ["pipe", "pipe", "pipe"] })
      : spawn(process.execPath, [MAIN], { env: fullEnv, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
    for (const wake of waiters) wake();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    type: (line) => child.stdin.write(`${line}\n`),
    waitFor(text, timeoutMs = 15_000) {
      return until(() => out.includes(text), JSON.stringify(text), {
        timeoutMs,
        wakeOn: (wake) => {
          waiters.add(wake);
          return () => waiters.delete(wake);
        },
        detail: () => `stdout:\n${out}\nstderr:\n${err}`,
      }).then(() => undefined);
    },
    finish() {
      child.stdin.end();
      return exited;
    },
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      const pid = options.via === "npm" ? await tocsinBeneath(child.pid!) : child.pid!;
      process.kill(pid, signal);
      return exited;
    },
    exited,
  };
}

/** The node process running src/start.js (or main.ts) beneath npm (npm may run it through a shell). */
async function tocsinBeneath(pid: number): Promise<number> {
  for (;;) {
    const children = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8").catch(() => "");
    const [first] = children.trim().split(/\s+/).filter(Boolean).map(Number);
    if (first === undefined) return pid;
    const argv = (await readFile(`/proc/${first}/cmdline`, "utf8").catch(() => "")).split("\0");
    // Not the shell (`sh -c "node ... src/start.js"`): the node process itself (never one of its
    // own children, such as the embedded PostgreSQL).
    if (/(^|\/)node$/.test(argv[0] ?? "") && argv.some((arg) => /src\/(start\.js|main\.ts)$/.test(arg))) {
      return first;
    }
    pid = first;
  }
}

/**
 * Polls `baseUrl`/readyz until it answers 200 within the scaled deadline (idle: 20 s). Fails at
 * once, with tocsin's stderr, if the process exits first, and at the deadline with the last
 * answer or connection error and stderr, so a slow start is told apart from a broken one.
 */
export async function waitUntilReady(
  desk: TocsinProcess,
  baseUrl: string,
  timeoutMs = 20_000,
): Promise<void> {
  let last = "no answer yet";
  await until(
    async () => {
      if (desk.child.exitCode !== null || desk.child.signalCode !== null) {
        throw new Error(
          `tocsin exited (${desk.child.exitCode ?? desk.child.signalCode}) before /readyz answered 200\nstderr:\n${desk.stderr()}`,
        );
      }
      try {
        const answer = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
        last = `HTTP ${answer.status} ${(await answer.text()).trim()}`;
        return answer.status === 200;
      } catch (error) {
        last =
          error instanceof Error
            ? `${error.message}${error.cause ? ` (${String(error.cause)})` : ""}`
            : String(error);
        return false;
      }
    },
    `${baseUrl}/readyz to answer 200`,
    { timeoutMs, detail: () => `last answer: ${last}\nstderr:\n${desk.stderr()}` },
  );
}

/** The pid in the cluster's postmaster.pid, if the file exists. */
export async function postmasterPid(dataDir: string): Promise<number | undefined> {
  try {
    const text = await readFile(path.join(dataDir, "postgres", "postmaster.pid"), "utf8");
    return Number(text.split("\n")[0]);
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
