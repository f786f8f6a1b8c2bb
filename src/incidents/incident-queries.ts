// Reading incidents: by id, public id, details, lists (what a person may see), timelines,
// audits and tasks. The queries every command runs are written in SQL (see room-bindings.ts).

import { z } from "zod";
import type { PlatformName } from "../chat/invocation.ts";
import type { Db } from "../db/database.ts";
import { incidentRow } from "../db/row-schemas.ts";
import { type Sql, sqlOf } from "../db/sql.ts";
import { raw, type Statement, sql } from "../db/statement.ts";
import { UserError } from "../errors.ts";
import type { Incident, Person, Task } from "../generated/prisma/client.ts";
import {
  type IncidentDetails,
  type RoomOfIncident,
  readDetails,
  readDetailsAndRooms,
} from "./change-statements.ts";
import { OPEN_STATUSES } from "./lifecycle.ts";

// Built once, not at every recovery pass (each start and every 15 s).
const incidentIdOnlyRow = z.object({ id: z.string() });

/**
 * The one answer for an incident that does not exist and for one the caller may not see: same
 * words, so the answer never tells them apart.
 */
export function noSuchIncident(publicId: string): UserError {
  return new UserError(`There is no incident ${publicId.toUpperCase()}.`, {
    code: "incident.not_found",
  });
}

export type ListFilter = "open" | "mine" | "all";

/**
 * `i` (an "Incident" row) is one the person takes part in: reporter, role holder or participant,
 * the rule of takingPart(). Found from the person's side, by the indexes on who takes part, so it
 * costs the same with 100,000 incidents as with 10.
 */
function takesPart(personId: string): Statement {
  return sql`i.id in (
    select id from "Incident" where "reporterId" = ${personId}
    union select "incidentId" from "RoleAssignment" where "personId" = ${personId}
    union select "incidentId" from "Participant" where "personId" = ${personId})`;
}

/**
 * "The incident is open" as constant SQL text, word for word the predicate of the partial
 * indexes on open incidents (schema.prisma): the planner uses such an index only for a query
 * that states its predicate, and a parameter (`= any($1)`) states nothing until run.
 */
export const OPEN_INCIDENT = `i.status in (${OPEN_STATUSES.map((status) => `'${status}'`).join(", ")})`;

export class IncidentQueries {
  readonly #db: Db;
  readonly #sql: Sql;

  constructor(db: Db) {
    this.#db = db;
    this.#sql = sqlOf(db);
  }

  async findById(id: string): Promise<Incident | null> {
    return this.#db.incident.findUnique({ where: { id } });
  }

  /** When the incident last changed status (declared counts), for jobs that check "still so?". */
  async lastStatusChangeAt(incidentId: string): Promise<Date | undefined> {
    const entry = await this.#db.timelineEntry.findFirst({
      where: { incidentId, kind: { in: ["declared", "status"] } },
      orderBy: [{ at: "desc" }, { seq: "desc" }],
    });
    return entry?.at;
  }

  async findByPublicId(publicId: string): Promise<Incident | null> {
    // SQL: the router runs this for every command that names an incident (see findByRoom).
    const [incident] = await this.#sql.rows(
      incidentRow,
      sql`select * from "Incident" where "publicId" = ${publicId.toUpperCase()}`,
      { prepared: true },
    );
    return incident ?? null;
  }

  async requireByPublicId(publicId: string): Promise<Incident> {
    const incident = await this.findByPublicId(publicId);
    if (!incident) throw noSuchIncident(publicId);
    return incident;
  }

  /** The incident with its reporter, roles, participants and tasks (one statement). */
  async details(incidentId: string): Promise<IncidentDetails> {
    const details = await readDetails(this.#sql, incidentId);
    if (!details) throw new Error(`incident ${incidentId} not found`);
    return details;
  }

  /** The details and the rooms as of one moment (see readDetailsAndRooms). */
  async detailsAndRooms(incidentId: string): Promise<{ details: IncidentDetails; rooms: RoomOfIncident[] }> {
    const found = await readDetailsAndRooms(this.#sql, incidentId);
    if (!found) throw new Error(`incident ${incidentId} not found`);
    return found;
  }

  /**
   * Incidents a person may see: restricted ones (TLP:RED or `restricted:yes`) only when they
   * take part, unless `seeRestricted` (admins).
   */
  async list(
    filter: ListFilter,
    person: Person,
    options: { seeRestricted?: boolean; limit?: number } = {},
  ): Promise<Incident[]> {
    const limit = options.limit ?? 50;
    if (filter === "mine") {
      // Found from the person's side (indexes on who takes part), then ordered: as quick with
      // 100,000 incidents as with 10, where walking the newest incidents first would read them
      // all for someone who took part in a few old ones.
      return this.#sql.rows(
        incidentRow,
        sql`
          select i.* from "Incident" i
           where ${takesPart(person.id)}
             and i.status::text = any(${[...OPEN_STATUSES]}::text[])
           order by i."declaredAt" desc
           limit ${limit}`,
        { prepared: true },
      );
    }
    // SQL: every /inc list runs this. Each part walks a partial index on declaredAt whose
    // predicate is the part's own (OPEN_INCIDENT and the restricted flag, see schema.prisma), the
    // newest first: the LIMIT ends the walk after `limit` rows however many incidents are
    // closed or restricted. The restricted ones a person may see (reporter, role holder or
    // participant: the rule of takingPart()) are found from the person's side, as for `mine`.
    const open = filter === "all" ? sql`` : sql`and ${raw(OPEN_INCIDENT)}`;
    if (options.seeRestricted) {
      return this.#sql.rows(
        incidentRow,
        sql`select i.* from "Incident" i where true ${open} order by i."declaredAt" desc limit ${limit}`,
        { prepared: true },
      );
    }
    // Four texts at most (open or all, restricted seen or not): prepared.
    return this.#sql.rows(
      incidentRow,
      sql`
        select * from (
          (select i.* from "Incident" i where not i.restricted ${open}
            order by i."declaredAt" desc limit ${limit})
          union all
          (select i.* from "Incident" i
            where i.restricted ${open}
              and ${takesPart(person.id)}
            order by i."declaredAt" desc limit ${limit})) visible
         order by "declaredAt" desc limit ${limit}`,
      { prepared: true },
    );
  }

  /**
   * Open incidents declared in (from, until] on one of `platforms` that have no room on any
   * platform and whose room recovery was not claimed yet, oldest first, with the platform and
   * person that declared them (their audit entry): declarations a crash interrupted. Those that
   * recovery cannot complete (another platform's, one claimed before) are left out, so that 50 of
   * them cannot keep a later one from being seen.
   */
  async declaredWithoutRoom(
    from: Date,
    until: Date,
    platforms: readonly PlatformName[],
  ): Promise<Array<{ incident: Incident; platform: PlatformName; declarerId: string | null }>> {
    // The usual answer at every start and every 15 s is none: asked on the driver, so that an
    // idle tocsin does not load Prisma's query compiler for it (CPU at start, memory at idle).
    const candidates = await this.#sql.rows(
      incidentIdOnlyRow,
      sql`
        select i.id from "Incident" i
         where i."declaredAt" > ${from} and i."declaredAt" <= ${until}
           and i.status::text = any(${[...OPEN_STATUSES]}::text[])
           and not exists (select 1 from "IncidentRoom" r where r."incidentId" = i.id)
           and exists (select 1 from "AuditEntry" a
                        where a."incidentId" = i.id and a.action = 'incident.declared'
                          and a.platform = any(${[...platforms]}::text[]))
           and not exists (select 1 from "ProcessedEvent" e
                            where e.platform = 'tocsin' and e.key = 'room-recovery:' || i.id)
         order by i."declaredAt"
         limit 50`,
      { prepared: true },
    );
    if (candidates.length === 0) return [];
    const incidents = await this.#db.incident.findMany({
      where: {
        id: { in: candidates.map((c) => c.id) },
        declaredAt: { gt: from, lte: until },
        status: { in: [...OPEN_STATUSES] },
        rooms: { none: {} },
      },
      take: 50,
    });
    if (incidents.length === 0) return [];
    const declared = await this.#db.auditEntry.findMany({
      where: { incidentId: { in: incidents.map((i) => i.id) }, action: "incident.declared" },
      select: { incidentId: true, platform: true, actorId: true },
    });
    return incidents.flatMap((incident) => {
      const entry = declared.find((d) => d.incidentId === incident.id);
      return entry ? [{ incident, platform: entry.platform as PlatformName, declarerId: entry.actorId }] : [];
    });
  }

  async timeline(incidentId: string, limit = 100) {
    const entries = await this.#db.timelineEntry.findMany({
      where: { incidentId },
      orderBy: [{ at: "desc" }, { seq: "desc" }],
      take: limit,
      include: { actor: true },
    });
    return entries.reverse();
  }

  /** Every status change of the incident, oldest first (the post-incident report's phases). */
  async statusChanges(incidentId: string) {
    return this.#db.timelineEntry.findMany({
      where: { incidentId, kind: "status" },
      orderBy: [{ at: "asc" }, { seq: "asc" }],
      select: { at: true, kind: true, text: true },
    });
  }

  /** The incident's audit log, oldest first, with who acted (`/inc audit`). */
  async auditLog(incidentId: string) {
    return this.#db.auditEntry.findMany({
      where: { incidentId },
      orderBy: { at: "asc" },
      include: { actor: true },
    });
  }

  async tasks(incidentId: string): Promise<Task[]> {
    return this.#db.task.findMany({ where: { incidentId }, orderBy: { number: "asc" } });
  }
}
