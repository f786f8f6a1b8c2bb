// The hot paths of the incident record as single SQL statements (see npm run bench: every
// statement is a round trip, and Prisma's query compiler costs CPU per query). A note or a
// status change is one statement, atomic on its own: it claims the inbound event, updates the
// incident row (which takes its lock), writes the timeline and audit entries, and reads what
// the announcement and the pinned summary need (the rooms, the details). When the incident is
// not as the caller saw it (merged, another status, gone), nothing is written: the caller falls
// back to the transaction of Incidents.#change, which answers exactly as before.
import { z } from "zod";
import { type Activity, activityAfter, type TimelineLine } from "../activity/activity.ts";
import type { Origin } from "../activity/origin.ts";
import type { Db, DbTransaction } from "../db/database.ts";
import { incidentRow, personRow } from "../db/row-schemas.ts";
import { rows } from "../db/rows.ts";
import { type Sql, sqlOf } from "../db/sql.ts";
import { type Statement, sql } from "../db/statement.ts";
import type { Incident, IncidentRoom, Person, Task } from "../generated/prisma/client.ts";
import { insertJobRows, type JobRow } from "../jobs/queue.ts";

/**
 * What announcing in a room and refreshing its pinned summary and topic need of an incident's
 * room: where the summary is, and what the room was last shown (see incident-rooms.ts).
 */
export type RoomOfIncident = Pick<
  IncidentRoom,
  "platform" | "roomId" | "name" | "summaryMessageId" | "topicShown" | "summaryShown" | "shownVersion"
>;

export type IncidentDetails = Incident & {
  reporter: Person;
  roles: Array<{ role: string; person: Person }>;
  participants: Array<{ person: Person }>;
  tasks: Task[];
};

/** The incident's rooms as one JSON value, a column of a change's statement. */
export function roomsOfIncident(incidentId: string): Statement {
  return sql`(
    select coalesce(json_agg(json_build_object(
             'platform', r.platform, 'roomId', r."roomId", 'name', r.name,
             'summaryMessageId', r."summaryMessageId", 'topicShown', r."topicShown",
             'summaryShown', r."summaryShown", 'shownVersion', r."shownVersion")
             order by r."createdAt"), '[]'::json)
      from "IncidentRoom" r where r."incidentId" = ${incidentId})`;
}

/** The incident's rooms as a transaction sees them now (after its own changes). */
export async function roomsInTransaction(tx: DbTransaction, incidentId: string): Promise<RoomOfIncident[]> {
  const [found] = rows(
    z.object({ rooms: roomsJson }),
    await tx.$queryRaw(sql`select ${roomsOfIncident(incidentId)} as rooms`),
  );
  return found?.rooms ?? [];
}

/** Timestamps inside JSON are strings. */
const jsonTimestamp = z.coerce.date();

const incidentJson = incidentRow.extend({
  declaredAt: jsonTimestamp,
  investigatingAt: jsonTimestamp.nullable(),
  containedAt: jsonTimestamp.nullable(),
  eradicatedAt: jsonTimestamp.nullable(),
  recoveredAt: jsonTimestamp.nullable(),
  closedAt: jsonTimestamp.nullable(),
  updatedAt: jsonTimestamp,
});

const personJson = personRow.extend({ createdAt: jsonTimestamp });

export const roomsJson = z.array(
  z.object({
    platform: z.string(),
    roomId: z.string(),
    name: z.string(),
    summaryMessageId: z.string().nullable(),
    topicShown: z.string().nullable(),
    summaryShown: z.string().nullable(),
    shownVersion: z.number().int(),
  }),
);

/** The incident's people and tasks, as JSON columns next to its row (see detailsColumns). */
const detailsJson = z.object({
  reporter: personJson,
  roles: z.array(z.object({ role: z.string(), person: personJson })),
  participants: z.array(z.object({ person: personJson })),
  tasks: z.array(
    z.object({
      id: z.string(),
      incidentId: z.string(),
      number: z.number().int(),
      text: z.string(),
      createdById: z.string(),
      createdAt: jsonTimestamp,
      doneById: z.string().nullable(),
      doneAt: jsonTimestamp.nullable(),
    }),
  ),
});

/** What Incidents.details() returns beyond the incident row, as columns of the incident `i`. */
function detailsColumns(incident: Statement): Statement {
  return sql`
    (select to_jsonb(p) from "Person" p where p.id = ${incident}."reporterId") as reporter,
    (select coalesce(json_agg(json_build_object('role', ra.role::text, 'person', to_jsonb(p))
                              order by ra."assignedAt"), '[]'::json)
       from "RoleAssignment" ra join "Person" p on p.id = ra."personId"
      where ra."incidentId" = ${incident}.id) as roles,
    (select coalesce(json_agg(json_build_object('person', to_jsonb(p)) order by pa."addedAt"), '[]'::json)
       from "Participant" pa join "Person" p on p.id = pa."personId"
      where pa."incidentId" = ${incident}.id) as participants,
    (select coalesce(json_agg(to_jsonb(t) order by t.number), '[]'::json)
       from "Task" t where t."incidentId" = ${incident}.id) as tasks`;
}

/** An incident with its reporter, roles, participants and tasks, in one statement. */
export async function readDetails(driver: Sql, incidentId: string): Promise<IncidentDetails | undefined> {
  const [found] = await driver.rows(
    detailsRow,
    sql`
      select i.*, ${detailsColumns(sql`i`)} from "Incident" i where i.id = ${incidentId}`,
    { prepared: true },
  );
  return found;
}

const detailsRow = incidentRow.extend(detailsJson.shape);

/**
 * The details and the rooms in one statement, so as of one moment: a refresh that read the
 * rooms after a change of TLP (whose reset of the rooms' records it would then not notice) and
 * the details before it would show the details of before the change, and record them.
 */
export async function readDetailsAndRooms(
  driver: Sql,
  incidentId: string,
): Promise<{ details: IncidentDetails; rooms: RoomOfIncident[] } | undefined> {
  const [found] = await driver.rows(
    detailsRow.extend({ rooms: roomsJson }),
    sql`
      select i.*, ${detailsColumns(sql`i`)}, ${roomsOfIncident(incidentId)} as rooms
        from "Incident" i where i.id = ${incidentId}`,
    { prepared: true },
  );
  if (!found) return undefined;
  const { rooms, ...details } = found;
  return { details, rooms };
}

export interface OneStatementChange {
  origin: Origin;
  incidentId: string;
  now: Date;
  /** A condition on the incident row as the caller saw it; nothing is written when it fails. */
  expect: Statement;
  /** Columns to set besides "updatedAt" (a leading comma), or empty. */
  set: Statement;
  activity: Omit<Activity, "timeline"> & { timeline: TimelineLine };
  /** Also read the details (for the pinned summary): the change does not alter people or tasks. */
  withDetails: boolean;
}

export type OneStatementOutcome =
  | {
      outcome: "changed";
      incident: Incident;
      rooms: RoomOfIncident[];
      details?: IncidentDetails;
      timelineEntryId: string;
    }
  | { outcome: "duplicate" }
  /** Not as expected (or changed meanwhile): nothing was written, run the transaction instead. */
  | { outcome: "not-applied" };

const changedRow = z.object({
  claimed: z.number().int(),
  expected: z.boolean(),
  rooms: roomsJson,
  incident: incidentJson.nullable(),
  details: detailsJson.nullable(),
});

export async function changeInOneStatement(db: Db, change: OneStatementChange): Promise<OneStatementOutcome> {
  const { origin, incidentId, now } = change;
  const activity = activityAfter("locked", change.activity);
  const details = change.withDetails
    ? sql`(select to_jsonb(d) from (select ${detailsColumns(sql`l`)} from locked l) d)`
    : sql`null::jsonb`;
  const driver = sqlOf(db);
  // Prepared: the texts differ only by the kind of change (note, status, ...), a handful.
  const [found] = await driver.rows(
    changedRow,
    sql`
      with target as (
        select exists (select 1 from "Incident" where id = ${incidentId} and ${change.expect}) as expected
      ), claimed as (
        insert into "ProcessedEvent" (platform, key, "processedAt")
        select ${origin.platform}, ${origin.dedupeKey}, now() where (select expected from target)
        on conflict do nothing
        returning 1
      ), locked as (
        update "Incident" set "updatedAt" = ${now} ${change.set}
         where id = ${incidentId} and ${change.expect} and exists (select 1 from claimed)
        returning *
      ), ${activity.ctes}
      select (select count(*) from claimed)::int as claimed,
             (select expected from target) as expected,
             ${roomsOfIncident(incidentId)} as rooms,
             (select to_jsonb(l) from locked l) as incident,
             ${details} as details`,
    { prepared: true },
  );
  if (found?.incident) {
    const incident: Incident = found.incident;
    return {
      outcome: "changed",
      incident,
      rooms: found.rooms,
      details: found.details ? { ...incident, ...found.details } : undefined,
      timelineEntryId: activity.timelineEntryId,
    };
  }
  if (found?.claimed) {
    // Changed between the check and the lock (another replica): the claim this statement made
    // is taken back, as a rolled-back transaction would leave it, and the transaction decides.
    await driver.execute(sql`
      delete from "ProcessedEvent" where platform = ${origin.platform} and key = ${origin.dedupeKey}`);
    return { outcome: "not-applied" };
  }
  return found?.expected ? { outcome: "duplicate" } : { outcome: "not-applied" };
}

export interface Declaration {
  origin: Origin;
  year: number;
  /** The incident's id as SQL, from the number the statement takes (IncidentIds.formatInSql). */
  publicId: Statement;
  incident: Omit<Incident, "publicId">;
  activity: Omit<Activity, "timeline"> & { timeline: TimelineLine };
  /** What the declaration schedules (its page, its reminders): written with it or not at all. */
  jobs: JobRow[];
}

/**
 * A declaration in one statement, atomic on its own: claims the inbound event, takes the year's
 * next number (the counter row's lock orders concurrent declarations; no number without a
 * claim, and a failed statement takes none), writes the incident, its reporter as its first
 * participant, the timeline and audit entries and the jobs it schedules. Its row has `publicId`
 * null when the event was claimed before (a retry): then nothing was written. The statement's
 * text is the same for every declaration, so it is prepared once per connection.
 */
export function declarationStatement(declaration: Declaration): {
  statement: Statement;
  timelineEntryId: string;
} {
  const { origin, year, incident } = declaration;
  const recorded = activityAfter("created", declaration.activity);
  return {
    timelineEntryId: recorded.timelineEntryId,
    statement: sql`
      with claimed as (
        insert into "ProcessedEvent" (platform, key, "processedAt")
        values (${origin.platform}, ${origin.dedupeKey}, now())
        on conflict do nothing
        returning 1
      ), counter as (
        insert into "IncidentCounter" (year, last) select ${year}, 1 from claimed
        on conflict (year) do update set last = "IncidentCounter".last + 1
        returning last
      ), created as (
        insert into "Incident" (id, "publicId", title, summary, status, severity, "rsitType", tlp, restricted,
                                "teamId", "reporterId", "declaredAt", "updatedAt")
        select ${incident.id}, ${declaration.publicId}, ${incident.title}, ${incident.summary},
               ${incident.status}::"IncidentStatus", ${incident.severity}, ${incident.rsitType}, ${incident.tlp},
               ${incident.restricted}, ${incident.teamId}, ${incident.reporterId}, ${incident.declaredAt},
               ${incident.updatedAt}
          from counter
        returning id, "publicId"
      ), participant as (
        insert into "Participant" ("incidentId", "personId", "addedAt")
        select id, ${incident.reporterId}, ${incident.declaredAt} from created
      ), ${recorded.ctes}, scheduled as (
        ${insertJobRows(declaration.jobs, sql`exists (select from created)`)}
      )
      select (select "publicId" from created) as "publicId"`,
  };
}

/** The row of a declaration's statement: the incident's id, null when the event was a retry. */
export const declaredRow = z.object({ publicId: z.string().nullable() });

/**
 * The first statement of a change's transaction: claims the event, takes the incident's row lock
 * and reads its rooms. `incident` is null when it no longer exists; `claimed` 0 for a duplicate.
 */
export async function claimAndLock(
  tx: DbTransaction,
  origin: Origin,
  incidentId: string,
  now: Date,
): Promise<{ claimed: number; rooms: RoomOfIncident[]; incident: Incident | null } | undefined> {
  const [found] = rows(
    z.object({ claimed: z.number().int(), rooms: roomsJson, incident: incidentJson.nullable() }),
    await tx.$queryRaw(sql`
      with claimed as (
        insert into "ProcessedEvent" (platform, key, "processedAt")
        values (${origin.platform}, ${origin.dedupeKey}, now())
        on conflict do nothing
        returning 1
      ), locked as (
        update "Incident" set "updatedAt" = ${now}
         where id = ${incidentId} and exists (select 1 from claimed)
        returning *
      )
      select (select count(*) from claimed)::int as claimed,
             ${roomsOfIncident(incidentId)} as rooms,
             to_jsonb(locked) as incident
        from (select 1) as one left join locked on true`),
  );
  return found;
}
