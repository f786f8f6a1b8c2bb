// The one writer of the audit trail and the incident timeline. Every change a person (or a job
// on their behalf) makes is recorded here, inside the change's own transaction: an audit entry,
// and a timeline entry when it concerns an incident's story. Both rows go in one statement,
// because the commands that write them are the hot path (see npm run bench).
import { randomUUID } from "node:crypto";
import type { Db, DbTransaction } from "../db/database.ts";
import { raw, type Statement, sql } from "../db/statement.ts";
import type { Actor } from "./origin.ts";

export interface TimelineLine {
  incidentId: string;
  kind: string;
  text: string;
  /** The line still has to be announced in the incident's rooms (see incident-rooms.ts). */
  announcementPending?: boolean;
}

export interface Activity {
  actor: Actor;
  at: Date;
  /** The audit action, e.g. `incident.status`, `page.ack`, `permission.refused`. */
  action: string;
  detail: Record<string, unknown>;
  /** The incident the audit entry belongs to, when it has no timeline line of its own. */
  incidentId?: string;
  timeline?: TimelineLine;
}

/** Writes the activity; returns the timeline entry's id when it wrote one. */
export async function recordActivity(
  client: Db | DbTransaction,
  activity: Activity & { timeline: TimelineLine },
): Promise<string>;
export async function recordActivity(
  client: Db | DbTransaction,
  activity: Activity,
): Promise<string | undefined>;
export async function recordActivity(
  client: Db | DbTransaction,
  activity: Activity,
): Promise<string | undefined> {
  const { actor, at, action, timeline } = activity;
  // JSON drops undefined fields, as the audit log should.
  const detail = JSON.stringify(activity.detail);
  const incidentId = timeline?.incidentId ?? activity.incidentId ?? null;
  if (!timeline) {
    await client.$executeRaw(sql`
      insert into "AuditEntry" (id, at, "actorId", action, "incidentId", platform, "roomId", "correlationId", detail)
      values (${randomUUID()}, ${at}, ${actor.personId}, ${action}, ${incidentId}, ${actor.platform},
              ${actor.roomId}, ${actor.correlationId}, ${detail}::jsonb)`);
    return undefined;
  }
  const timelineEntryId = randomUUID();
  await client.$executeRaw(sql`
    with timeline as (
      insert into "TimelineEntry" (id, "incidentId", at, kind, text, "actorId", "announcementPending")
      values (${timelineEntryId}, ${timeline.incidentId}, ${at}, ${timeline.kind}, ${timeline.text}, ${actor.personId},
              ${timeline.announcementPending ?? false}))
    insert into "AuditEntry" (id, at, "actorId", action, "incidentId", platform, "roomId", "correlationId", detail)
    values (${randomUUID()}, ${at}, ${actor.personId}, ${action}, ${incidentId}, ${actor.platform},
            ${actor.roomId}, ${actor.correlationId}, ${detail}::jsonb)`);
  return timelineEntryId;
}

/**
 * The rows recordActivity writes for a timeline line, as two CTEs (`timeline_entry`,
 * `audit_entry`) of a larger statement that has a CTE named `source` returning the incident's
 * row: they are written only when it returns one. A change that needs nothing else then takes one
 * statement, atomic without a transaction of its own.
 */
export function activityAfter(
  source: "locked" | "created",
  activity: Activity & { timeline: TimelineLine },
): { ctes: Statement; timelineEntryId: string } {
  const { actor, at, action, timeline } = activity;
  const detail = JSON.stringify(activity.detail);
  const timelineEntryId = randomUUID();
  const from = raw(`"${source}"`);
  return {
    timelineEntryId,
    ctes: sql`
      timeline_entry as (
        insert into "TimelineEntry" (id, "incidentId", at, kind, text, "actorId", "announcementPending")
        select ${timelineEntryId}, s.id, ${at}, ${timeline.kind}, ${timeline.text}, ${actor.personId},
               ${timeline.announcementPending ?? false}
          from ${from} s
      ), audit_entry as (
        insert into "AuditEntry" (id, at, "actorId", action, "incidentId", platform, "roomId", "correlationId", detail)
        select ${randomUUID()}, ${at}, ${actor.personId}, ${action}, s.id, ${actor.platform},
               ${actor.roomId}, ${actor.correlationId}, ${detail}::jsonb
          from ${from} s
      )`,
  };
}
