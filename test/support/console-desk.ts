// A whole tocsin desk on the console platform over a fresh test database: the integration
// tests type commands and read what the bot printed, exactly as a person at the terminal would.
import { PassThrough } from "node:stream";
import type { Logger } from "pino";
import type { AccessConfig } from "../../src/access/access-config.ts";
import { accessPolicy } from "../../src/access/policy.ts";
import { type App, createApp } from "../../src/app.ts";
import type { BulletinSettings } from "../../src/bulletins/settings.ts";
import { type ConsoleOptions, ConsolePlatform } from "../../src/chat/console/console-platform.ts";
import { ManualClock } from "../../src/clock.ts";
import type { JobQueueOptions } from "../../src/jobs/queue.ts";
import { silentLogger } from "../../src/logging.ts";
import type { OncallSettings } from "../../src/oncall/oncall-services.ts";
import { createTestDatabase, type TestDatabase } from "../database.ts";

export interface ConsoleDesk {
  app: App;
  db: TestDatabase;
  clock: ManualClock;
  console: ConsolePlatform;
  /** Types one line and returns everything printed while it was handled. */
  type(line: string): Promise<string>;
  /** Everything printed since the last type() or printed() (posts made by jobs, say). */
  printed(): Promise<string>;
  close(): Promise<void>;
}

export async function startConsoleDesk(
  options: {
    db?: TestDatabase;
    clock?: ManualClock;
    access?: AccessConfig;
    bulletins?: BulletinSettings;
    /** On-call configuration (parseOncallConfig) and feed settings. */
    oncall?: OncallSettings;
    /** Job queue options (a workerId per desk when two desks share a database). */
    jobs?: JobQueueOptions;
    /** TOCSIN_INCIDENT_PREFIX (default INC). */
    incidentPrefix?: string;
    /** Where the app logs (captureLog() from waiting.ts to read it); silent by default. */
    log?: Logger;
    /** Makes the console platform (a subclass that records more); ConsolePlatform by default. */
    platform?: (options: ConsoleOptions) => ConsolePlatform;
  } = {},
): Promise<ConsoleDesk> {
  const db = options.db ?? (await createTestDatabase());
  const clock = options.clock ?? new ManualClock("2026-03-10T09:00:00Z");
  const output = new PassThrough();
  let printed = "";
  output.on("data", (chunk: Buffer) => {
    printed += chunk.toString("utf8");
  });
  const platformOptions: ConsoleOptions = {
    input: new PassThrough(),
    output,
    interactive: false,
    user: "alice",
  };
  const consolePlatform = options.platform?.(platformOptions) ?? new ConsolePlatform(platformOptions);
  // Jobs are run by hand (app.services.jobs.runDue()) so tests decide when time passes.
  const app = createApp({
    db: db.prisma,
    clock,
    log: options.log ?? silentLogger,
    platforms: [consolePlatform],
    runJobs: false,
    permissions: accessPolicy(db.prisma, { config: options.access }),
    bulletins: options.bulletins,
    oncall: options.oncall,
    jobs: options.jobs,
    incidentPrefix: options.incidentPrefix,
  });
  await app.start();
  return {
    app,
    db,
    clock,
    console: consolePlatform,
    async type(line) {
      printed = "";
      await consolePlatform.submit(line);
      // Writes to the PassThrough are delivered on the next ticks.
      await new Promise((resolve) => setImmediate(resolve));
      return printed;
    },
    async printed() {
      await new Promise((resolve) => setImmediate(resolve));
      const text = printed;
      printed = "";
      return text;
    },
    async close() {
      await app.stop();
      if (!options.db) await db.close();
    },
  };
}
