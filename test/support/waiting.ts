// Waiting in tests for work that happens after an answer (Slack acks first, works after).
import { Writable } from "node:stream";
import pino, { type Logger } from "pino";

/**
 * Polls `check` until it returns something other than undefined or false, or fails after
 * `timeoutMs` naming `what` it waited for.
 */
export async function until<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
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
