// What the alert desk and its parts (pages, incidents from alerts) are built from: given once by
// the composition root, so the parts cannot drift apart in what they are handed.
import type { Logger } from "pino";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/database.ts";
import type { Metrics } from "../http/metrics.ts";
import type { IncidentRooms } from "../incidents/incident-rooms.ts";
import type { Incidents } from "../incidents/incidents.ts";
import type { JobQueue } from "../jobs/queue.ts";
import type { OncallDirectory } from "../oncall/directory.ts";
import type { Outbox } from "../outbox/outbox.ts";
import type { Paging } from "../paging/paging.ts";

export interface AlertDeskDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  jobs: JobQueue;
  paging: Paging;
  directory: OncallDirectory;
  incidents: Incidents;
  rooms: IncidentRooms;
  outbox: Outbox;
  timeZone: string;
  metrics?: Metrics;
}
