// The domain services a command handler may use, wired once in src/main.ts (and in tests).
import type { Logger } from "pino";
import type { PermissionPolicy } from "./access/permissions.ts";
import type { Alerts } from "./alerts/alerts.ts";
import type { Bulletins } from "./bulletins/service.ts";
import type { PlatformName } from "./chat/invocation.ts";
import type { Clock } from "./clock.ts";
import type { Db } from "./db/database.ts";
import type { Metrics } from "./http/metrics.ts";
import type { HttpServer } from "./http/server.ts";
import type { IncidentRooms } from "./incidents/incident-rooms.ts";
import type { Incidents } from "./incidents/incidents.ts";
import type { JobQueue } from "./jobs/queue.ts";
import type { OncallServices } from "./oncall/oncall-services.ts";
import type { Outbox } from "./outbox/outbox.ts";
import type { People } from "./people/people.ts";

export interface Services {
  db: Db;
  clock: Clock;
  log: Logger;
  people: People;
  incidents: Incidents;
  /** The incident's rooms on every platform: open, announce, refresh, invite, archive. */
  rooms: IncidentRooms;
  /** The one way out: every reply, post, DM, file and room change passes its TLP rules. */
  outbox: Outbox;
  /** The one durable job queue of the process; domains register their job kinds on it. */
  jobs: JobQueue;
  /** Routes registered here are served on HTTP_PORT when the HTTP server runs (see main.ts). */
  http: HttpServer;
  /** Prometheus counters (GET /metrics); domains count their own events here. */
  metrics: Metrics;
  /** Bulletin subscriptions, schedules and signing; createApp always makes one. */
  bulletins?: Bulletins;
  /** On-call directory, paging, incident deadlines, calendar feeds (ONCALL_CONFIG). */
  oncall: OncallServices;
  /** The alert desk: what monitoring sends (receive) and what people do with alerts. */
  alerts: Alerts;
  /** Who may do what (the router checks each command; commands ask for finer decisions). */
  permissions: PermissionPolicy;
  /** Every new incident also gets a room on this platform (TOCSIN_MIRROR_NEW_INCIDENTS). */
  mirrorNewIncidentsTo?: PlatformName;
  /** IANA zone used to show times in messages. */
  timeZone: string;
}
