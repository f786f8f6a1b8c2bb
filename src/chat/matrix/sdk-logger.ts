// matrix-js-sdk's logs into tocsin's pino logger instead of the console. The SDK is chatty at
// debug and info (every request, every sync), so both go to debug; its "errors" are mostly
// states it recovers from itself (a failed /sync before reconnecting), so they go to warn and
// the platform logs what needs attention in its own words.
import { type Logger as SdkLogger, logger as sdkRootLogger } from "matrix-js-sdk/lib/logger.js";
import type { Level, Logger } from "pino";
import { withoutBodies } from "../log-bodies.ts";

/** What the SDK's global logger is underneath: a `loglevel` logger. */
interface LoglevelLogger {
  methodFactory: (method: string, level: number, name: string | symbol) => (...parts: unknown[]) => void;
  rebuild(): void;
  getChild(name: string): unknown;
}

/** Loggers the SDK makes when its modules load, before any client exists. */
const MODULE_LEVEL_SDK_LOGGERS = ["RoomStickyEvents"];

export function sdkLogger(log: Logger, namespace = "matrix-js-sdk"): SdkLogger {
  const child = log.child({ component: namespace });
  const at =
    (level: Level) =>
    (...parts: unknown[]): void => {
      if (!child.isLevelEnabled(level)) return;
      // Its debug lines can carry event content (what people wrote): only the SDK's own words.
      child[level](
        level === "trace" || level === "debug" ? withoutBodies(parts) : parts.map(describe).join(" "),
      );
    };
  return {
    trace: at("trace"),
    debug: at("debug"),
    info: at("debug"),
    warn: at("warn"),
    error: at("warn"),
    getChild: (name: string) => sdkLogger(log, `${namespace}:${name}`),
  };
}

function describe(part: unknown): string {
  if (part instanceof Error) return `${part.name}: ${part.message}`;
  if (typeof part === "string") return part;
  try {
    return JSON.stringify(part) ?? String(part);
  } catch {
    return String(part);
  }
}

/**
 * Parts of matrix-js-sdk (MatrixRTC sessions, sticky events) log through its global logger,
 * which writes debug lines to the console: stdout, which belongs to the console platform. This
 * sends them to pino too. The global logger is process-wide; the last platform started wins.
 */
export function routeSdkGlobalLogs(log: Logger): void {
  const root = sdkRootLogger as unknown as LoglevelLogger;
  const levels: Record<string, Level> = { trace: "trace", debug: "debug", info: "debug", log: "debug" };
  root.methodFactory = (method, _level, name) => {
    const child = log.child({ component: String(name) });
    const level: Level = levels[method] ?? "warn";
    return (...parts: unknown[]) => {
      if (child.isLevelEnabled(level)) child[level](parts.map(describe).join(" "));
    };
  };
  root.rebuild();
  // getChild() hands the root's method factory to a child again, also to an existing one.
  for (const name of MODULE_LEVEL_SDK_LOGGERS) root.getChild(name);
}
