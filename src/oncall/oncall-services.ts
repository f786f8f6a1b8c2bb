// The on-call part of the desk, wired once by createApp: the directory (configuration, people,
// overrides), paging with durable escalation, incident reminders and regulatory deadlines, and
// the calendar feeds on the HTTP server.
import type { Logger } from "pino";
import { actorOf } from "../activity/origin.ts";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/database.ts";
import type { Metrics } from "../http/metrics.ts";
import type { HttpServer } from "../http/server.ts";
import { IncidentDeadlines } from "../incidents/deadlines.ts";
import type { IncidentRooms } from "../incidents/incident-rooms.ts";
import type { Incidents } from "../incidents/incidents.ts";
import { IncidentReminders } from "../incidents/reminders.ts";
import type { JobQueue } from "../jobs/queue.ts";
import type { Outbox } from "../outbox/outbox.ts";
import { Paging } from "../paging/paging.ts";
import type { People } from "../people/people.ts";
import type { OncallConfig } from "./config.ts";
import { OncallDirectory } from "./directory.ts";
import { type FeedSettings, registerFeedRoutes } from "./feeds.ts";

export interface OncallSettings {
  /** The configuration validated at start-up (ONCALL_CONFIG); none: on-call is off. */
  config?: OncallConfig;
  /** ONCALL_CONFIG, read again by `/oncall reload`. */
  path?: string;
  feeds?: FeedSettings;
}

export interface OncallServices {
  directory: OncallDirectory;
  paging: Paging;
  deadlines: IncidentDeadlines;
  feeds: FeedSettings;
}

export function createOncallServices(
  deps: {
    db: Db;
    clock: Clock;
    log: Logger;
    jobs: JobQueue;
    people: People;
    incidents: Incidents;
    rooms: IncidentRooms;
    outbox: Outbox;
    http: HttpServer;
    timeZone: string;
    /** Counts pages created and delivered (tocsin_pages_total). */
    metrics?: Metrics;
  },
  settings: OncallSettings = {},
): OncallServices {
  const directory = new OncallDirectory({ ...deps, path: settings.path, config: settings.config });
  const paging = new Paging({ ...deps, directory });
  const reminders = new IncidentReminders({ ...deps, config: () => directory.configIfAny?.reminders });
  const deadlines = new IncidentDeadlines({
    ...deps,
    configured: () => directory.configIfAny?.deadlines ?? [],
  });
  deps.incidents.onDeclared(async (tx, incident, now, origin) => {
    await reminders.schedule(tx, incident, now);
    await paging.scheduleDeclaredPage(tx, incident, now, actorOf(origin));
  });
  deps.incidents.onSeverityChanged(async (tx, incident, from, now, origin) => {
    await paging.scheduleRaisedSeverityPage(tx, incident, from, now, actorOf(origin));
  });
  const feeds = settings.feeds ?? {};
  registerFeedRoutes(deps.http, { directory, clock: deps.clock, settings: feeds });
  return { directory, paging, deadlines, feeds };
}
