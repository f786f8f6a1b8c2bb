// Wires the domain services and the router over a database and a set of chat platforms.
// Used by src/main.ts and by the integration tests, so both run the same graph.
import type { Logger } from "pino";
import { COMMANDS } from "../commands/index.ts";
import { type BulletinSettings, Bulletins } from "./bulletins/service.ts";
import { Notifier } from "./chat/notifier.ts";
import type { ChatPlatform, PlatformName } from "./chat/platform.ts";
import { scheduleRoomArchiving } from "./chat/room-archiving.ts";
import type { Clock } from "./clock.ts";
import type { Db } from "./db/database.ts";
import { Metrics } from "./http/metrics.ts";
import { HttpServer, sendText } from "./http/server.ts";
import { Incidents } from "./incidents/incidents.ts";
import { JobQueue, type JobQueueOptions } from "./jobs/queue.ts";
import { createOncallServices, type OncallSettings } from "./oncall/oncall-services.ts";
import { People } from "./people/people.ts";
import { openPolicy, type PermissionPolicy } from "./router/permissions.ts";
import { Router } from "./router/router.ts";
import type { Services } from "./services.ts";

/** How often changes whose announcement a crash lost are looked for (they must be 30 s old). */
const ANNOUNCEMENT_RECOVERY_MS = 15_000;

export interface AppOptions {
  db: Db;
  clock: Clock;
  log: Logger;
  platforms: ChatPlatform[];
  timeZone?: string;
  incidentPrefix?: string;
  permissions?: PermissionPolicy;
  jobs?: JobQueueOptions;
  /** The process's HTTP server, when platforms were given it too (Slack); else one is made. */
  http?: HttpServer;
  mirrorNewIncidentsTo?: PlatformName;
  /** Archive incident rooms this long after closing, where the platform can (Slack). */
  archiveRoomsAfterMs?: number;
  /** Poll for due jobs and arm cron triggers (bulletins). Tests with a ManualClock run them by hand. */
  runJobs?: boolean;
  /** Bulletin subscriptions and the signing key (BULLETIN_CONFIG, BULLETIN_SIGNING_KEY). */
  bulletins?: BulletinSettings;
  /** The on-call configuration and calendar feed settings (ONCALL_CONFIG, ONCALL_FEED_SECRET). */
  oncall?: OncallSettings;
}

export interface App {
  services: Services;
  router: Router;
  /** Starts every platform, feeding its invocations to the router. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createApp(options: AppOptions): App {
  const platforms = new Map<PlatformName, ChatPlatform>(options.platforms.map((p) => [p.name, p]));
  const timeZone = options.timeZone ?? "UTC";
  const people = new People(options.db);
  const incidents = new Incidents(options.db, options.clock, options.incidentPrefix);
  const metrics = new Metrics();
  const notifier = new Notifier(platforms, incidents, people, options.log, timeZone, metrics);
  const jobs = new JobQueue(options.db, options.clock, options.log, { ...options.jobs, metrics });
  const http = options.http ?? new HttpServer(options.log);
  http.route("GET", "/healthz", (_req, res) => sendText(res, 200, "ok\n"));
  http.route("GET", "/metrics", async (_req, res) =>
    sendText(res, 200, await metrics.registry.metrics(), metrics.registry.contentType),
  );
  http.route("GET", "/readyz", async (_req, res) => {
    try {
      await options.db.$queryRaw`select 1`;
      sendText(res, 200, "ready\n");
    } catch {
      sendText(res, 503, "database unavailable\n");
    }
  });
  const bulletins = new Bulletins(
    { db: options.db, clock: options.clock, log: options.log, jobs, incidents, platforms },
    options.bulletins,
  );
  const oncall = createOncallServices(
    {
      db: options.db,
      clock: options.clock,
      log: options.log,
      jobs,
      people,
      incidents,
      notifier,
      platforms,
      http,
      timeZone,
      metrics,
    },
    options.oncall,
  );
  const services: Services = {
    db: options.db,
    clock: options.clock,
    log: options.log,
    people,
    incidents,
    notifier,
    jobs,
    http,
    metrics,
    bulletins,
    oncall,
    platforms,
    permissions: options.permissions ?? openPolicy,
    mirrorNewIncidentsTo: options.mirrorNewIncidentsTo,
    timeZone,
  };
  if (options.archiveRoomsAfterMs) {
    scheduleRoomArchiving({
      afterMs: options.archiveRoomsAfterMs,
      incidents,
      jobs,
      platforms,
      log: options.log,
    });
  }
  const router = new Router(COMMANDS, services, services.permissions, metrics);
  const inFlight = new Set<Promise<void>>();
  let recovery: NodeJS.Timeout | undefined;
  const recoverAnnouncements = () =>
    notifier
      .recoverPendingAnnouncements(options.clock.now())
      .catch((error: unknown) => options.log.error({ err: error }, "announcement recovery failed"));
  const handle = (invocation: Parameters<Router["handle"]>[0]) => {
    const work = router.handle(invocation).finally(() => inFlight.delete(work));
    inFlight.add(work);
    return work;
  };
  return {
    services,
    router,
    async start() {
      await oncall.directory.activate();
      for (const platform of platforms.values()) await platform.start(handle);
      await bulletins.start({ armCron: options.runJobs ?? true });
      if (options.runJobs ?? true) {
        jobs.start();
        recovery = setInterval(() => void recoverAnnouncements(), ANNOUNCEMENT_RECOVERY_MS);
        recovery.unref();
        void recoverAnnouncements();
      }
    },
    async stop() {
      clearInterval(recovery);
      await bulletins.stop();
      await Promise.all([...platforms.values()].map((p) => p.stop()));
      // Finish what was already accepted before the database goes away.
      await Promise.allSettled([...inFlight]);
      await jobs.stop();
    },
  };
}
