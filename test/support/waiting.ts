// The one way tests wait: for work that happens after an answer (Slack acks first, works after),
// for a double to see a request, for a process to print a line or become ready. Deadlines are
// written for an idle machine and multiplied by TOCSIN_TEST_SLOWDOWN (default 3, sized for a
// loaded 2-core machine shared with other work), so a slow run waits longer instead of failing.
// Waiting only ever proves that something DID happen; that something did not happen is proved
// by a barrier (a follow-up whose answer shows the first was handled), never by a sleep.
import { Writable } from "node:stream";
import pino, { type Logger } from "pino";

const DEFAULT_SLOWDOWN = 3;

/** The factor every test deadline is multiplied by (TOCSIN_TEST_SLOWDOWN, a positive number). */
export function testSlowdown(): number {
  const raw = process.env.TOCSIN_TEST_SLOWDOWN;
  if (raw === undefined || raw.trim() === "") return DEFAULT_SLOWDOWN;
  const factor = Number(raw);
  if (!Number.isFinite(factor) || factor <= 0) {
    throw new Error(`TOCSIN_TEST_SLOWDOWN must be a positive number, not ${JSON.stringify(raw)}`);
  }
  return factor;
}

/** An idle-machine deadline in milliseconds, scaled for this machine. */
export function scaledDeadline(idleMs: number): number {
  return Math.round(idleMs * testSlowdown());
}

export interface WaitOptions {
  /** The deadline on an idle machine (scaled by TOCSIN_TEST_SLOWDOWN); 15 s unless given, so a
   * wait fails with its own message before the test's 20 s (scaled) timeout. */
  timeoutMs?: number;
  /**
   * Subscribes to changes that may make `check` pass, so the wait ends as soon as they happen
   * instead of at the next poll; returns the unsubscribe function.
   */
  wakeOn?: (wake: () => void) => () => void;
}

const POLL_MS = 25;

/**
 * Polls `check` until it returns something other than undefined or false, or fails after the
 * scaled deadline naming `what` it waited for (and `detail()` when given, e.g. a process's
 * output).
 */
export async function until<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  options: number | (WaitOptions & { detail?: () => string }) = {},
): Promise<T> {
  const {
    timeoutMs = 15_000,
    wakeOn,
    detail,
  } = typeof options === "number" ? { timeoutMs: options } : options;
  const allowedMs = scaledDeadline(timeoutMs);
  const deadline = Date.now() + allowedMs;
  let wake: (() => void) | undefined;
  const unsubscribe = wakeOn?.(() => wake?.());
  try {
    for (;;) {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) {
        const more = detail ? `\n${detail()}` : "";
        throw new Error(`timed out after ${allowedMs} ms waiting for ${what}${more}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    unsubscribe?.();
  }
}

export interface CapturedLog {
  log: Logger;
  entries: Array<Record<string, unknown>>;
}

/** A pino logger whose JSON lines tests can read (TEST_LOG_LEVEL=debug shows more). */
export function captureLog(): CapturedLog {
  const entries: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) if (line.trim()) entries.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level: process.env.TEST_LOG_LEVEL ?? "info" }, stream), entries };
}
