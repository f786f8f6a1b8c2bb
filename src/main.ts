// Composition root: config -> database -> platforms -> app. It only wires and handles the
// process lifecycle (signals, end of console input, fatal errors).
import path from "node:path";
import { VOCABULARY } from "../commands/index.ts";
import { loadAccessConfig } from "./access/access-config.ts";
import { accessPolicy } from "./access/policy.ts";
import { createApp } from "./app.ts";
import { loadBulletinSettings } from "./bulletins/settings.ts";
import { ConsolePlatform } from "./chat/console/console-platform.ts";
import type { ChatPlatform } from "./chat/platform.ts";
import { platformDescriptors } from "./chat/platforms.ts";
import { systemClock } from "./clock.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { DataDirInUse, lockDataDir } from "./db/data-dir-lock.ts";
import { openDatabase } from "./db/database.ts";
import { PrismaPlatformState } from "./db/platform-state.ts";
import { READY_TIMEOUT_MS } from "./http/health-routes.ts";
import { HttpServer } from "./http/server.ts";
import { setHeapGrowth } from "./lifecycle/heap-growth.ts";
import { IdleMemory } from "./lifecycle/idle-memory.ts";
import { createLogger } from "./logging.ts";
import { loadOncallConfig } from "./oncall/config.ts";

const startedAt = performance.now();

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(2);
}

// A person typing in a terminal reads stdout and stderr on one screen: logs go to a file there.
const interactiveConsole = config.console.enabled && Boolean(process.stdin.isTTY);
const logFile = interactiveConsole ? path.join(config.dataDir, "tocsin.log") : undefined;
const log = createLogger(config.logLevel, logFile);

// Configuration files are read before anything starts, so a typo stops start-up at once, with
// the file's own message (file:line:column) and no stack trace.
function orStop<T>(loading: Promise<T>): Promise<T> {
  return loading.catch((error: unknown) => {
    process.stderr.write(`tocsin cannot start: ${(error as Error).message}\n`);
    process.exit(2);
  });
}
const accessConfig = config.accessConfigPath
  ? await orStop(loadAccessConfig(config.accessConfigPath))
  : undefined;
const bulletins = await orStop(loadBulletinSettings(config.bulletins));
const oncallConfig = config.oncall.configFile
  ? await orStop(loadOncallConfig(config.oncall.configFile))
  : undefined;

// Before the database: a second process on this directory must not adopt the first one's
// PostgreSQL (and stop it on exit).
const dataDirLock = await lockDataDir(config.dataDir).catch((error: unknown) => {
  process.stderr.write(
    `tocsin cannot start: ${error instanceof DataDirInUse ? error.message : `the data directory ${config.dataDir} cannot be locked: ${(error as Error).message}`}\n`,
  );
  process.exit(1);
});
if (dataDirLock.tookOver)
  log.warn({ previous: dataDirLock.tookOver }, "took over the lock of a tocsin that died");

// The configured platforms' SDKs load while the embedded PostgreSQL starts (a process of its
// own): on two cores the two overlap. A failed import is reported where it is awaited below.
const configured = platformDescriptors().flatMap((descriptor) => {
  const settings = config.platforms.get(descriptor.name);
  if (settings === undefined || !descriptor.environment) return [];
  const maker = descriptor.environment.load(settings);
  maker.catch(() => {});
  return [{ descriptor, settings, maker }];
});

const database = await openDatabase({
  databaseUrl: config.databaseUrl,
  embeddedDataDir: path.join(config.dataDir, "postgres"),
  embeddedPort: config.embeddedPostgresPort,
  log: (line) => log.debug({ component: "postgres" }, line),
  waitMs: config.databaseWaitMs,
  timeoutMs: config.databaseTimeoutMs,
  supervisorLog: (level, msg, fields) => log[level]({ component: "postgres", ...fields }, msg),
  onEmbeddedGiveUp: (error) => {
    log.fatal({ err: error.message }, "the embedded PostgreSQL could not be restarted; exiting");
    void shutdown("embedded PostgreSQL lost", 1);
  },
  onRetry: (error, delayMs) =>
    log.warn({ err: error.message, retryInMs: delayMs }, "database not reachable yet; retrying"),
}).catch(async (error: unknown) => {
  const where = config.databaseUrl
    ? "the database at DATABASE_URL"
    : `the embedded PostgreSQL in ${config.dataDir}`;
  process.stderr.write(`tocsin cannot start: ${where} is not usable: ${(error as Error).message}\n`);
  await dataDirLock.release();
  process.exit(1);
});
if (database.migrations.applied.length)
  log.info({ applied: database.migrations.applied }, "migrations applied");
for (const name of database.migrations.modified) {
  log.warn({ migration: name }, "an applied migration's file has changed since; it is not re-run");
}

const http = new HttpServer(log);
const platforms: ChatPlatform[] = [];
// Every platform configured from the environment, made by its descriptor (src/chat/platforms.ts).
for (const { descriptor, settings, maker } of configured) {
  const make = await maker;
  platforms.push(
    make(settings, {
      http,
      log,
      state: new PrismaPlatformState(database.prisma, descriptor.name),
      vocabulary: VOCABULARY,
    }),
  );
}
let consolePlatform: ConsolePlatform | undefined;
if (config.console.enabled) {
  consolePlatform = new ConsolePlatform({
    input: process.stdin,
    output: process.stdout,
    interactive: interactiveConsole,
    user: config.console.user,
    filesDir: interactiveConsole ? path.join(config.dataDir, "files") : undefined,
    greeting: logFile ? [`logs: ${logFile}`] : undefined,
  });
  platforms.push(consolePlatform);
}
if (platforms.length === 0) {
  process.stderr.write("tocsin has nothing to do: no chat platform is configured and TOCSIN_CONSOLE=off.\n");
  await database.close();
  await dataDirLock.release();
  process.exit(2);
}

const app = createApp({
  http,
  permissions: accessPolicy(database.prisma, { config: accessConfig, matrixUserId: config.matrix?.userId }),
  db: database.prisma,
  clock: systemClock,
  log,
  platforms,
  timeZone: config.timeZone,
  incidentPrefix: config.incidentPrefix,
  archiveRoomsAfterMs: config.archiveRoomsAfterMs,
  retentionMs: config.retentionMs,
  commandLimits: config.commandLimits,
  alertLimits: config.alertLimits,
  mirrorNewIncidentsTo: config.mirrorNewIncidentsTo,
  health: {
    metricsToken: config.http.metricsToken,
    liveness: () => database.down(),
    // The route's own deadline answers first; the ping's connection is dropped a little later.
    probeDatabase: () => database.ping(2 * READY_TIMEOUT_MS),
  },
  bulletins,
  oncall: {
    config: oncallConfig,
    path: config.oncall.configFile,
    feeds: { secret: config.oncall.feedSecret, publicUrl: config.oncall.publicUrl },
  },
});

/** How long stopping may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 15_000;
let shuttingDown: Promise<void> | undefined;
function shutdown(reason: string, exitCode = 0): Promise<void> {
  shuttingDown ??= (async () => {
    log.info({ reason }, "shutting down");
    // Whatever hangs while stopping (a dead database under a closing pool), the process still
    // exits with its status, and the pending timer keeps Node from ending on its own with 13.
    setTimeout(() => {
      log.error({ reason }, "shutdown took too long; exiting anyway");
      process.exit(exitCode === 0 ? 1 : exitCode);
    }, SHUTDOWN_GRACE_MS);
    await app.services.http.close();
    await app.stop().catch((error: unknown) => log.error({ err: error }, "stopping platforms failed"));
    await database
      .close()
      .catch((error: unknown) => log.error({ err: error }, "closing the database failed"));
    await dataDirLock.release().catch(() => {});
    process.exit(exitCode);
  })();
  return shuttingDown;
}

process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGHUP", () => void shutdown("SIGHUP"));
process.on("uncaughtException", (error) => {
  log.fatal({ err: error }, "uncaught exception");
  void shutdown("uncaught exception", 1);
});
// Every request and command has its own guard; a rejection that still slips through is a bug
// to log and count, not a reason to drop everyone's work. (An uncaught exception may have left
// state half-changed: that one still stops the process.)
process.on("unhandledRejection", (error) => {
  log.error({ err: error }, "unhandled rejection");
  app.services.metrics.errors.inc({ where: "unhandled rejection" });
});

await app.start().catch(async (error: unknown) => {
  process.stderr.write(`tocsin cannot start: ${(error as Error).message}\n`);
  await database.close();
  await dataDirLock.release();
  process.exit(1);
});
new IdleMemory({ log, settleStart: true, busy: app.busy }).start();
// Once started: a start allocates fast, and V8's own factor for it (higher) keeps its collections few.
setHeapGrowth();
if (config.http.enabled) {
  const port = await app.services.http.listen(config.http.port, config.http.host).catch((error: unknown) => {
    process.stderr.write(
      `tocsin cannot start: HTTP_PORT ${config.http.port} is not usable: ${(error as Error).message}\n`,
    );
    return shutdown("HTTP server failed", 1);
  });
  log.info({ port, host: config.http.host }, "HTTP server listening");
}
log.info(
  {
    ms: Math.round(performance.now() - startedAt),
    database: database.embedded?.origin ?? "external",
    platforms: platforms.map((p) => p.name),
    // What runs: the start bundle `npm start` builds (src/build/), or the TypeScript sources.
    code: import.meta.filename.endsWith(".ts") ? "sources" : "bundle",
  },
  "tocsin ready",
);

// The console alone: its end of input (piped script, Ctrl-D, /quit) ends tocsin. A script
// learns from the exit code whether every line went through.
if (consolePlatform && platforms.length === 1) {
  await consolePlatform.finished;
  const failed = interactiveConsole ? 0 : consolePlatform.failedLines;
  if (failed > 0) {
    process.stderr.write(
      `tocsin: ${failed} command${failed === 1 ? " was" : "s were"} refused or failed (see the ⚠️ answers above).\n`,
    );
  }
  await shutdown("end of console input", failed > 0 ? 1 : 0);
}
