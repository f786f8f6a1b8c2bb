// Bolt and the WebClient log through their own Logger interface; this routes them into the
// process's pino logger so one log stream (and one level setting) covers Slack too.
import { type Logger as BoltLogger, LogLevel } from "@slack/bolt";
import type { Logger } from "pino";
import { withoutBodies } from "../log-bodies.ts";

export function boltLogger(log: Logger): BoltLogger {
  let name = "slack";
  const format = (messages: unknown[]) =>
    messages.map((part) => (typeof part === "string" ? part : safeStringify(part))).join(" ");
  return {
    // At debug the WebClient logs whole request bodies (messages people wrote, TLP-labelled
    // content): keep only its own first words, never a body.
    // Checked first: the WebClient logs a few debug lines per call, each scanned for bodies.
    debug: (...messages) => {
      if (log.isLevelEnabled("debug")) log.debug({ component: name }, withoutBodies(messages));
    },
    info: (...messages) => log.info({ component: name }, format(messages)),
    warn: (...messages) => log.warn({ component: name }, format(messages)),
    error: (...messages) => log.error({ component: name }, format(messages)),
    // The process's log level is pino's to decide; Bolt asking to change it is ignored.
    setLevel: () => {},
    getLevel: () => boltLevelOf(log.level),
    setName: (newName) => {
      name = newName;
    },
  };
}

function boltLevelOf(level: string): LogLevel {
  switch (level) {
    case "trace":
    case "debug":
      return LogLevel.DEBUG;
    case "info":
      return LogLevel.INFO;
    case "warn":
      return LogLevel.WARN;
    default:
      return LogLevel.ERROR;
  }
}

function safeStringify(value: unknown): string {
  if (value instanceof Error) return value.stack ?? value.message;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
