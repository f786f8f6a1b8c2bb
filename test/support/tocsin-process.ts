// Runs tocsin as a real process (`node src/main.ts`), as a user or an init system would, for
// tests of start-up, restarts and crashes.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { until } from "./waiting.ts";

const MAIN = path.resolve(import.meta.dirname, "../../src/main.ts");

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
  exited: Promise<number | null>;
}

export function startTocsin(env: Record<string, string>): TocsinProcess {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      TOCSIN_CONSOLE_USER: "alice",
      ...env,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
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
    exited,
  };
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
