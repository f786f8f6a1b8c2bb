// Wires the domain services and the router over a database and a set of chat platforms.
// Used by src/main.ts and by the integration tests, so both run the same graph.
import type { Logger } from "pino";
import { COMMANDS } from "../commands/index.ts";
import type { PermissionPolicy } from "./access/permissions.ts";
import { accessPolicy } from "./access/policy.ts";
import { actorOf } from "./activity/origin.ts";
import { Alerts } from "./alerts/alerts.ts";
import type { AlertIntakeLimits } from "./alerts/intake/limits.ts";
import { registerAlertRoutes } from "./alerts/intake/routes.ts";
import { Bulletins } from "./bulletins/service.ts";
import type { BulletinSettings } from "./bulletins/settings.ts";
import type { PlatformName } from "./chat/invocation.ts";
import type { ChatPlatform } from "./chat/platform.ts";
import type { Clock } from "./clock.ts";
import type { Db } from "./db/database.ts";
import { type HealthOptions, registerHealthRoutes } from "./http/health-routes.ts";
import { Metrics } from "./http/metrics.ts";
import { HttpServer } from "./http/server.ts";
import { IncidentDeadlines } from "./incidents/deadlines.ts";
import { IncidentRooms } from "./incidents/incident-rooms.ts";
import { Incidents } from "./incidents/incidents.ts";
import { IncidentReminders } from "./incidents/reminders.ts";
import { RoomRefreshRetries } from "./incidents/room-refresh-retries.ts";
import type { CommandQueueLimits } from "./intake/command-queue.ts";
import { InboundClaims, type InboundClaimsOptions } from "./intake/inbound-claims.ts";
import { Intake } from "./intake/intake.ts";
import { JobQueue, type JobQueueOptions } from "./jobs/queue.ts";
import { type Module, ModuleList } from "./lifecycle/module-list.ts";
import { busySinceAsked } from "./lifecycle/waited-for-work.ts";
import { OncallDirectory } from "./oncall/directory.ts";
import { registerFeedRoutes } from "./oncall/feeds.ts";
import type { OncallServices, OncallSettings } from "./oncall/oncall-services.ts";
import { type AudienceDirectory, Outbox } from "./outbox/outbox.ts";
import { Paging } from "./paging/paging.ts";
import { People } from "./people/people.ts";
import { Retention } from "./retention/retention.ts";
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
  /** /healthz, /readyz and /metrics: the embedded database's state, a metrics token. */
  health?: HealthOptions;
  /** Commands run at once and waiting (TOCSIN_COMMAND_CONCURRENCY, TOCSIN_COMMAND_QUEUE). */
  commandLimits?: CommandQueueLimits;
  /** The alert endpoints' limits (TOCSIN_ALERT_*); the endpoints' defaults otherwise. */
  alertLimits?: AlertIntakeLimits;
  /** The per-event claim that makes one replica answer (lease length, for tests). */
  claims?: InboundClaimsOptions;
  /** Prune handled events, finished jobs and sent page deliveries older than this (TOCSIN_RETENTION). */
  retentionMs?: number;
}

export interface App {
  services: Services;
  router: Router;
  /** Where platforms hand their invocations: the bounded queue and the per-event claim. */
  intake: Intake;
  /** Prunes old bookkeeping hourly (scheduled by start() when jobs run). */
  retention: Retention;
  /** Durable retries of failed incident-room refreshes, and the sweep that finds rooms left behind. */
  roomRefreshes: RoomRefreshRetries;
  /** Starts every platform, feeding its invocations to the router. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Resolves once every invocation accepted so far has been handled: a barrier for tests that
   * check that something did not happen (a retried request) without sleeping.
   */
  settled(): Promise<void>;
  /**
   * Whether work a person waits for is pending or was taken in since the last call (pages, alert
   * answers, commands, jobs due): what stalls the process (src/lifecycle/idle-memory.ts) asks.
   */
  busy(): boolean;
}

/** A job due this soon counts as pending: a full collection would delay it. */
const JOB_DUE_SOON_MS = 1_000;

export function createApp(options: AppOptions): App {
  const timeZone = options.timeZone ?? "UTC";
  const people = new People(options.db);
  const incidents = new Incidents(options.db, options.clock, options.incidentPrefix);
  const metrics = new Metrics();
  // Without one given: no access file, and no Matrix homeserver counted as the organisation's.
  const permissions = options.permissions ?? accessPolicy(options.db);
  // Filled once the bulletins service has read its configuration (room clearances live there).
  let bulletinsRef: Bulletins | undefined;
  const audiences: AudienceDirectory = {
    async incidentOfRoom(platform, roomId) {
      return incidents.incidentIdOfRoom(platform, roomId);
    },
    roomClearance(platform, roomId) {
      return bulletinsRef?.roomClearance(platform, roomId) ?? { clearance: "green", external: false };
    },
    async incidentsOpenTo(platform, externalId, incidentIds) {
      const person = await people.findByIdentity(platform, externalId);
      if (!person) return new Set();
      if (await permissions.isAdmin(person)) return new Set(incidentIds);
      return incidents.takingPart(person.id, incidentIds);
    },
  };
  const outbox = new Outbox({
    platforms: options.platforms,
    directory: audiences,
    log: options.log,
    metrics,
  });
  const rooms = new IncidentRooms({ outbox, incidents, people, log: options.log, timeZone });
  const jobs = new JobQueue(options.db, options.clock, options.log, { ...options.jobs, metrics });
  const roomRefreshes = new RoomRefreshRetries({
    db: options.db,
    clock: options.clock,
    log: options.log,
    jobs,
    incidents,
    rooms,
    outbox,
  });
  const http = options.http ?? new HttpServer(options.log);
  registerHealthRoutes(http, { db: options.db, metrics }, options.health);
  http.onRequestError = (where) => metrics.errors.inc({ where });
  const bulletins = new Bulletins(
    { db: options.db, clock: options.clock, log: options.log, jobs, incidents, outbox },
    options.bulletins,
  );
  bulletinsRef = bulletins;
  // On-call: the directory (configuration, people, overrides), paging with durable escalation,
  // incident reminders and regulatory deadlines, and the calendar feeds.
  const oncallSettings = options.oncall ?? {};
  const oncallDeps = {
    db: options.db,
    clock: options.clock,
    log: options.log,
    jobs,
    people,
    incidents,
    rooms,
    outbox,
    http,
    timeZone,
    metrics,
  };
  const directory = new OncallDirectory({
    ...oncallDeps,
    path: oncallSettings.path,
    config: oncallSettings.config,
  });
  const paging = new Paging({ ...oncallDeps, directory });
  const reminders = new IncidentReminders({ ...oncallDeps, config: () => directory.configIfAny?.reminders });
  const deadlines = new IncidentDeadlines({
    ...oncallDeps,
    configured: () => directory.configIfAny?.deadlines ?? [],
  });
  const oncall: OncallServices = { directory, paging, deadlines, feeds: oncallSettings.feeds ?? {} };
  registerFeedRoutes(http, { directory, clock: options.clock, settings: oncall.feeds });
  const alerts = new Alerts({
    db: options.db,
    clock: options.clock,
    log: options.log,
    jobs,
    paging,
    directory,
    incidents,
    rooms,
    outbox,
    timeZone,
    metrics,
  });
  const services: Services = {
    db: options.db,
    clock: options.clock,
    log: options.log,
    people,
    incidents,
    rooms,
    outbox,
    jobs,
    http,
    metrics,
    bulletins,
    oncall,
    alerts,
    permissions,
    mirrorNewIncidentsTo: options.mirrorNewIncidentsTo,
    timeZone,
  };
  const retention = new Retention(
    { db: options.db, clock: options.clock, log: options.log, jobs },
    options.retentionMs,
  );
  if (options.archiveRoomsAfterMs) rooms.scheduleArchiving(jobs, options.archiveRoomsAfterMs);
  // Alert intake: the endpoints read the integrations of the configuration in use per request,
  // so a reload that adds or removes one (or changes a key) needs no restart.
  const alertRoutes = registerAlertRoutes(http, {
    config: () => oncall.directory.configIfAny,
    // At the swap itself: the edge thread's keys must not outlive the configuration in use while
    // the reload still awaits the database (or fails there after the swap).
    onConfigChange: (listener) => directory.onSwap(listener),
    receiver: alerts,
    ...(options.alertLimits ? { limits: options.alertLimits } : {}),
    db: options.db,
    jobs,
    clock: options.clock,
    log: options.log,
    metrics,
  });
  const runJobs = options.runJobs ?? true;
  const router = new Router(COMMANDS, services, services.permissions, metrics);
  const claims = new InboundClaims(options.db, options.log, options.claims);

  // Domain hooks, all registered here: what a declaration or a severity change schedules (in the
  // change's statement or transaction), what a reload of the on-call configuration restarts, and how changes
  // are marked announced.
  incidents.onDeclared((incident, now, origin) => [
    ...reminders.declaredJobs(incident, now),
    ...paging.declaredPageJobs(incident, now, actorOf(origin)),
  ]);
  incidents.onSeverityChanged(async (tx, incident, from, now, origin) => {
    await paging.scheduleRaisedSeverityPage(tx, incident, from, now, actorOf(origin));
  });
  if (runJobs) directory.afterReload(() => alertRoutes.heartbeats.start());
  // One batched statement after the answers: claims answered and changes announced.
  incidents.markAnnouncedWith((timelineEntryId) => claims.announced(timelineEntryId));
  const intake = new Intake({
    route: (invocation) => router.handle(invocation),
    outbox,
    claims,
    log: options.log,
    limits: options.commandLimits,
    metrics,
  });
  const handle = (invocation: Parameters<Router["handle"]>[0]) => intake.handle(invocation);
  let recovery: NodeJS.Timeout | undefined;
  // What a crash left half done: changes committed but not announced, declarations without a room,
  // rooms whose refresh failed or never ran.
  const recoverAnnouncements = () =>
    rooms
      .recoverPendingAnnouncements(options.clock.now())
      .then(() => rooms.recoverUnopenedRooms(options.clock.now()))
      .then(() => roomRefreshes.sweep(options.clock.now()))
      .catch((error: unknown) => options.log.error({ err: error }, "crash recovery failed"));

  // The long-running parts, started in this order and stopped in the reverse one:
  // - The job queue, the alert commits and the intake only stop, and stop last: the job workers
  //   run until everything that can enqueue a job (a command accepted before the platforms
  //   stopped, an alert commit in flight) has finished, and the intake finishes the commands it
  //   accepted before the database goes away.
  // - The on-call directory before the platforms: the first command may page someone or ask who
  //   is on call, and identities named in the configuration are known by then.
  // - The platforms before the bulletins: a bulletin fire posts through them.
  // - With jobs only (tests with a ManualClock run them by hand): retention and heartbeat checks
  //   are enqueued before the workers start, so the first poll finds them; announcement recovery
  //   comes last, when its rooms can be reached and the jobs it may enqueue run, and it stops
  //   first, before anything it uses.
  const modules: Module[] = [
    { name: "job queue", stop: () => jobs.stop() },
    { name: "alert commits", stop: () => alerts.idle() },
    { name: "intake", stop: () => intake.stop() },
    { name: "on-call directory", start: () => directory.activate() },
    {
      name: `platforms (${options.platforms.map((platform) => platform.name).join(", ")})`,
      // Together: Slack's auth.test and Matrix's first sync wait on different servers. What a
      // platform receives meanwhile waits until every platform started, so no command answers
      // into a platform not started yet; a platform that fails stops those that started.
      async start() {
        let opened!: () => void;
        const allStarted = new Promise<void>((resolve) => {
          opened = resolve;
        });
        const whenStarted = (invocation: Parameters<typeof handle>[0]) =>
          allStarted.then(() => handle(invocation));
        const results = await Promise.allSettled(
          options.platforms.map((platform) => platform.start(whenStarted)),
        );
        const failed = results.find((result) => result.status === "rejected");
        if (failed) {
          await Promise.all(
            options.platforms
              .filter((_, i) => results[i]?.status === "fulfilled")
              .map((platform) => platform.stop().catch(() => {})),
          );
          throw failed.reason;
        }
        opened();
      },
      async stop() {
        await Promise.all(options.platforms.map((platform) => platform.stop()));
      },
    },
    {
      name: "bulletins",
      start: () => bulletins.start({ armCron: runJobs }),
      stop: () => bulletins.stop(),
    },
  ];
  if (runJobs) {
    modules.push(
      { name: "retention", start: () => retention.schedule() },
      { name: "alert heartbeats", start: () => alertRoutes.heartbeats.start() },
      { name: "job workers", start: async () => jobs.start() },
      {
        name: "announcement recovery",
        async start() {
          recovery = setInterval(() => void recoverAnnouncements(), ANNOUNCEMENT_RECOVERY_MS);
          recovery.unref();
          void recoverAnnouncements();
        },
        async stop() {
          clearInterval(recovery);
        },
      },
    );
  }
  const lifecycle = new ModuleList(modules, options.log);
  const busy = busySinceAsked([
    { pending: () => outbox.pageSends.sending, taken: () => outbox.pageSends.taken },
    { pending: () => alerts.committing, taken: () => alerts.requestsReceived },
    // Alerts the edge thread committed (src/alerts/intake/edge.ts; their pages run here), heard
    // of by note. Its requests still being read or committed are not pending work of this
    // thread (the edge has a heap of its own), and counting them let anyone keep the desk busy.
    { pending: () => false, taken: () => alertRoutes.accepted() },
    { pending: () => intake.handling, taken: () => intake.taken },
    // Job runs are not counted: an idle desk runs its own (retention, heartbeat checks); a page
    // step a job sends is counted by the outbox.
    { pending: () => jobs.hasWorkWithin(JOB_DUE_SOON_MS), taken: () => 0 },
  ]);
  return {
    services,
    router,
    intake,
    retention,
    roomRefreshes,
    start: () => lifecycle.start(),
    async settled() {
      await intake.settled();
    },
    stop: () => lifecycle.stop(),
    busy,
  };
}
