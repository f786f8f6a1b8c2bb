// The incident record: every change runs in one transaction that (1) claims the inbound
// event's dedupe key, (2) locks the incident row so concurrent changes (other replicas, double
// clicks) apply one after the other against fresh state, (3) writes the change, a timeline
// entry and an audit entry. Either all of it lands or none of it.

import { z } from "zod";
import { recordActivity } from "../activity/activity.ts";
import { actorOf, type Origin } from "../activity/origin.ts";
import type { PlatformName } from "../chat/invocation.ts";
import type { Clock } from "../clock.ts";
import type { Db, DbTransaction } from "../db/database.ts";
import { incidentRoomRow, incidentRow } from "../db/row-schemas.ts";
import { rows } from "../db/rows.ts";
import { UserError } from "../errors.ts";
import type { Incident, IncidentRoom, Person, Prisma, Task } from "../generated/prisma/client.ts";
import {
  assertTransition,
  type EndingStatus,
  formatSeverity,
  isEnding,
  isOpen,
  OPEN_STATUSES,
  PHASE_TIMESTAMP,
  type Severity,
  type Status,
} from "./lifecycle.ts";
import { IncidentIds } from "./public-id.ts";
import { ROLES, type Role } from "./roles.ts";
import { describeRsitType } from "./taxonomy.ts";
import { DEFAULT_INCIDENT_TLP, formatTlp, storedTlp, type TlpLabel } from "./tlp.ts";

/** The inbound event was already handled (a platform retry): do nothing, say nothing. */
export class DuplicateEvent extends Error {
  constructor(key: string) {
    super(`event ${key} already processed`);
    this.name = "DuplicateEvent";
  }
}

/**
 * The one answer for an incident that does not exist and for one the caller may not see: same
 * words, so the answer never tells them apart.
 */
export function noSuchIncident(publicId: string): UserError {
  return new UserError(`There is no incident ${publicId.toUpperCase()}.`, {
    code: "incident.not_found",
  });
}

export interface DeclareInput {
  title: string;
  severity?: Severity;
  rsitType?: string;
  tlp?: TlpLabel;
  summary?: string;
  /** The on-call team that owns it (validated by the caller against the on-call configuration). */
  teamId?: string;
  /** Visible only to those who take part (always so for TLP:RED). */
  restricted?: boolean;
  /**
   * Work that belongs in the declaration's transaction (attaching the alert it was declared
   * from): a refusal thrown here declares nothing.
   */
  attach?: (tx: DbTransaction, incident: Incident) => Promise<void>;
}

export interface Change {
  incident: Incident;
  /** One line for the timeline and the announcement, e.g. "status investigating → contained". */
  text: string;
  kind: string;
  /** The timeline entry of the change; its announcement is pending until `announced()`. */
  timelineEntryId: string;
}

export type ListFilter = "open" | "mine" | "all";

export type IncidentDetails = Incident & {
  reporter: Person;
  roles: Array<{ role: string; person: Person }>;
  participants: Array<{ person: Person }>;
  tasks: Task[];
};

/** Runs inside the transaction that closed an incident (e.g. to schedule its rooms' archiving). */
export type ClosedHook = (tx: DbTransaction, incident: Incident, now: Date) => Promise<void>;
/** Runs inside the transaction that declared an incident (e.g. to schedule its page and reminders). */
export type DeclaredHook = (
  tx: DbTransaction,
  incident: Incident,
  now: Date,
  origin: Origin,
) => Promise<void>;

/** Runs inside the transaction that changed an incident's severity (e.g. to page for a raise). */
export type SeverityHook = (
  tx: DbTransaction,
  incident: Incident,
  from: number,
  now: Date,
  origin: Origin,
) => Promise<void>;
/**
 * What ending an incident without a reason is answered; the reason is kept as its resolution.
 * The router adds how to say it (src/router/hints.ts).
 */
const ENDING_NEEDS_REASON: Record<EndingStatus, { code: string; message: string }> = {
  closed: { code: "status.resolution_missing", message: "Say how it ended." },
  declined: { code: "status.decline_reason_missing", message: "Say why it is not an incident." },
  merged: { code: "status.merge_target_missing", message: "Say which incident this one duplicates." },
};

export const DEFAULT_SEVERITY: Severity = 3;
export const MAX_TITLE_LENGTH = 200;
export const MAX_TEXT_LENGTH = 3000;

export class Incidents {
  readonly #db: Db;
  readonly #clock: Clock;
  /** The shape of this desk's incident ids (the configured prefix). */
  readonly ids: IncidentIds;
  readonly #closedHooks: ClosedHook[] = [];
  readonly #declaredHooks: DeclaredHook[] = [];
  readonly #severityHooks: SeverityHook[] = [];

  constructor(db: Db, clock: Clock, publicIdPrefix?: string) {
    this.#db = db;
    this.#clock = clock;
    this.ids = new IncidentIds(clock, publicIdPrefix);
  }

  onClosed(hook: ClosedHook): void {
    this.#closedHooks.push(hook);
  }

  onDeclared(hook: DeclaredHook): void {
    this.#declaredHooks.push(hook);
  }

  onSeverityChanged(hook: SeverityHook): void {
    this.#severityHooks.push(hook);
  }

  // ---- reading ---------------------------------------------------------------------------

  async findById(id: string): Promise<Incident | null> {
    return this.#db.incident.findUnique({ where: { id } });
  }

  /** When the incident last changed status (declared counts), for jobs that check "still so?". */
  async lastStatusChangeAt(incidentId: string): Promise<Date | undefined> {
    const entry = await this.#db.timelineEntry.findFirst({
      where: { incidentId, kind: { in: ["declared", "status"] } },
      orderBy: { at: "desc" },
    });
    return entry?.at;
  }

  async findByPublicId(publicId: string): Promise<Incident | null> {
    return this.#db.incident.findUnique({ where: { publicId: publicId.toUpperCase() } });
  }

  async requireByPublicId(publicId: string): Promise<Incident> {
    const incident = await this.findByPublicId(publicId);
    if (!incident) throw noSuchIncident(publicId);
    return incident;
  }

  // The queries every command runs are written in SQL: through Prisma's query compiler they
  // cost about twice the CPU, which is what limits commands per second (see npm run bench).

  async findByRoom(platform: string, roomId: string): Promise<Incident | null> {
    const [incident] = rows(
      incidentRow,
      await this.#db.$queryRaw`
        select i.* from "IncidentRoom" r join "Incident" i on i.id = r."incidentId"
         where r.platform = ${platform} and r."roomId" = ${roomId}`,
    );
    return incident ?? null;
  }

  async details(incidentId: string): Promise<IncidentDetails> {
    return this.#db.incident.findUniqueOrThrow({
      where: { id: incidentId },
      include: {
        reporter: true,
        roles: { include: { person: true }, orderBy: { assignedAt: "asc" } },
        participants: { include: { person: true }, orderBy: { addedAt: "asc" } },
        tasks: { orderBy: { number: "asc" } },
      },
    });
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
    const takesPart: Prisma.IncidentWhereInput[] = [
      { reporterId: person.id },
      { roles: { some: { personId: person.id } } },
      { participants: { some: { personId: person.id } } },
    ];
    const conditions: Prisma.IncidentWhereInput[] = [];
    if (filter !== "all") conditions.push({ status: { in: [...OPEN_STATUSES] } });
    if (filter === "mine") conditions.push({ OR: takesPart });
    if (!options.seeRestricted) conditions.push({ OR: [{ restricted: false }, ...takesPart] });
    return this.#db.incident.findMany({
      where: { AND: conditions },
      orderBy: { declaredAt: "desc" },
      take: options.limit ?? 50,
    });
  }

  /** True when the person takes part in the incident (reporter, role holder or participant). */
  async takesPart(incidentId: string, personId: string): Promise<boolean> {
    // The same rule as list() and the outbox (takingPart): reporter, role holder or participant.
    return (await this.takingPart(personId, [incidentId])).has(incidentId);
  }

  /**
   * Open incidents declared in (from, until] that have no room on any platform, with the platform
   * and person that declared them (their audit entry): declarations a crash interrupted.
   */
  async declaredWithoutRoom(
    from: Date,
    until: Date,
  ): Promise<Array<{ incident: Incident; platform: PlatformName; declarerId: string | null }>> {
    const incidents = await this.#db.incident.findMany({
      where: {
        declaredAt: { gt: from, lte: until },
        status: { in: [...OPEN_STATUSES] },
        rooms: { none: {} },
      },
      take: 50,
    });
    const declared = await this.#db.auditEntry.findMany({
      where: { incidentId: { in: incidents.map((i) => i.id) }, action: "incident.declared" },
      select: { incidentId: true, platform: true, actorId: true },
    });
    return incidents.flatMap((incident) => {
      const entry = declared.find((d) => d.incidentId === incident.id);
      return entry ? [{ incident, platform: entry.platform as PlatformName, declarerId: entry.actorId }] : [];
    });
  }

  /** True once per key across replicas and restarts (a ProcessedEvent row of tocsin's own). */
  async claimRecovery(key: string): Promise<boolean> {
    const claimed = await this.#db.$executeRaw`
      insert into "ProcessedEvent" (platform, key, "processedAt") values ('tocsin', ${key}, now())
      on conflict do nothing`;
    return claimed > 0;
  }

  /** Of these incidents, the ones the person takes part in (reporter, role holder, participant). */
  async takingPart(personId: string, incidentIds: string[]): Promise<Set<string>> {
    if (incidentIds.length === 0) return new Set();
    const rows = await this.#db.incident.findMany({
      where: {
        id: { in: incidentIds },
        OR: [
          { reporterId: personId },
          { roles: { some: { personId } } },
          { participants: { some: { personId } } },
        ],
      },
      select: { id: true },
    });
    return new Set(rows.map((row) => row.id));
  }

  async timeline(incidentId: string, limit = 100) {
    const entries = await this.#db.timelineEntry.findMany({
      where: { incidentId },
      orderBy: { at: "desc" },
      take: limit,
      include: { actor: true },
    });
    return entries.reverse();
  }

  /** Every status change of the incident, oldest first (the post-incident report's phases). */
  async statusChanges(incidentId: string) {
    return this.#db.timelineEntry.findMany({
      where: { incidentId, kind: "status" },
      orderBy: { at: "asc" },
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

  async rooms(incidentId: string): Promise<IncidentRoom[]> {
    return rows(
      incidentRoomRow,
      await this.#db.$queryRaw`
        select * from "IncidentRoom" where "incidentId" = ${incidentId} order by "createdAt"`,
    );
  }

  // ---- changing --------------------------------------------------------------------------

  async declare(origin: Origin, input: DeclareInput): Promise<Change> {
    const title = cleanTitle(input.title);
    const now = this.#clock.now();
    return this.#db.$transaction(async (tx) => {
      await claimEvent(tx, origin);
      const year = now.getUTCFullYear();
      const [counter] = rows(
        z.object({ last: z.number().int() }),
        await tx.$queryRaw`
          insert into "IncidentCounter" (year, last) values (${year}, 1)
          on conflict (year) do update set last = "IncidentCounter".last + 1
          returning last`,
      );
      const publicId = this.ids.format(year, Number(counter?.last));
      const incident = await tx.incident.create({
        data: {
          publicId,
          title,
          summary: input.summary?.trim() ?? "",
          status: "triage",
          severity: input.severity ?? DEFAULT_SEVERITY,
          rsitType: input.rsitType ?? null,
          tlp: input.tlp ?? DEFAULT_INCIDENT_TLP,
          restricted: input.tlp === "red" || (input.restricted ?? false),
          teamId: input.teamId ?? null,
          reporterId: origin.actor.id,
          declaredAt: now,
          updatedAt: now,
          participants: { create: { personId: origin.actor.id, addedAt: now } },
        },
      });
      const text = `declared: ${formatSeverity(incident.severity)}, ${describeRsitType(incident.rsitType)}, ${formatTlp(storedTlp(incident.tlp))}`;
      // A declaration is announced by opening its room, not by a line in it.
      const timelineEntryId = await record(
        tx,
        origin,
        incident,
        now,
        "declared",
        text,
        { title, severity: incident.severity },
        { announcementPending: false },
      );
      await input.attach?.(tx, incident);
      for (const hook of this.#declaredHooks) await hook(tx, incident, now, origin);
      return { incident, text, kind: "declared", timelineEntryId };
    });
  }

  async changeStatus(origin: Origin, incidentId: string, to: Status, note?: string): Promise<Change> {
    if (isEnding(to) && !note?.trim())
      throw new UserError(ENDING_NEEDS_REASON[to].message, { code: ENDING_NEEDS_REASON[to].code });
    return this.#change(origin, incidentId, "status", async (tx, incident, now) => {
      const from = incident.status;
      assertTransition(from, to);
      const data: Prisma.IncidentUpdateInput = { status: to };
      const column = PHASE_TIMESTAMP[to];
      if (column && !incident[column]) data[column] = now;
      if (to === "closed" || to === "declined") data.resolution = note?.trim() || null;
      if (to === "merged") {
        const target = await this.#mergeTarget(tx, incident, note);
        data.mergedIntoId = target.id;
      }
      const updated = await tx.incident.update({ where: { id: incident.id }, data });
      if (to === "closed") for (const hook of this.#closedHooks) await hook(tx, updated, now);
      const suffix = note?.trim() ? `: ${note.trim()}` : "";
      return { incident: updated, text: `status ${from} → ${to}${suffix}`, detail: { from, to, note } };
    });
  }

  async #mergeTarget(tx: DbTransaction, incident: Incident, note?: string): Promise<Incident> {
    const targetId = note?.trim().split(/\s+/)[0] ?? "";
    if (!this.ids.matches(targetId)) {
      throw new UserError(ENDING_NEEDS_REASON.merged.message, { code: ENDING_NEEDS_REASON.merged.code });
    }
    const target = await tx.incident.findUnique({ where: { publicId: targetId.toUpperCase() } });
    if (!target) throw noSuchIncident(targetId);
    if (target.id === incident.id)
      throw new UserError("An incident can't be merged into itself.", { code: "status.merge_into_itself" });
    return target;
  }

  async close(origin: Origin, incidentId: string, resolution: string): Promise<Change> {
    return this.changeStatus(origin, incidentId, "closed", resolution);
  }

  async reopen(origin: Origin, incidentId: string, reason?: string): Promise<Change> {
    const incident = await this.#db.incident.findUniqueOrThrow({ where: { id: incidentId } });
    const to: Status = incident.status === "declined" ? "triage" : "investigating";
    if (isOpen(incident.status))
      throw new UserError(`${incident.publicId} is still open (${incident.status}).`, {
        code: "incident.still_open",
      });
    return this.changeStatus(origin, incidentId, to, reason ?? "reopened");
  }

  async setSeverity(origin: Origin, incidentId: string, severity: Severity): Promise<Change> {
    return this.#change(origin, incidentId, "severity", async (tx, incident, now) => {
      if (incident.severity === severity)
        throw new UserError(`${incident.publicId} is already ${formatSeverity(severity)}.`, {
          code: "severity.unchanged",
        });
      const updated = await tx.incident.update({ where: { id: incident.id }, data: { severity } });
      for (const hook of this.#severityHooks) await hook(tx, updated, incident.severity, now, origin);
      return {
        incident: updated,
        text: `severity ${formatSeverity(incident.severity)} → ${formatSeverity(severity)}`,
        detail: { from: incident.severity, to: severity },
      };
    });
  }

  async setClassification(origin: Origin, incidentId: string, rsitType: string): Promise<Change> {
    return this.#change(origin, incidentId, "classification", async (tx, incident) => {
      const updated = await tx.incident.update({ where: { id: incident.id }, data: { rsitType } });
      return {
        incident: updated,
        text: `classified as ${describeRsitType(rsitType)}`,
        detail: { from: incident.rsitType, to: rsitType },
      };
    });
  }

  async setTlp(origin: Origin, incidentId: string, tlp: TlpLabel): Promise<Change> {
    return this.#change(origin, incidentId, "tlp", async (tx, incident) => {
      const updated = await tx.incident.update({
        where: { id: incident.id },
        data: { tlp, restricted: tlp === "red" ? true : incident.restricted },
      });
      return {
        incident: updated,
        text: `TLP ${formatTlp(storedTlp(incident.tlp))} → ${formatTlp(tlp)}`,
        detail: { from: incident.tlp, to: tlp },
      };
    });
  }

  async setTitle(origin: Origin, incidentId: string, title: string): Promise<Change> {
    const clean = cleanTitle(title);
    return this.#change(origin, incidentId, "title", async (tx, incident) => {
      const updated = await tx.incident.update({ where: { id: incident.id }, data: { title: clean } });
      return {
        incident: updated,
        text: `title changed to "${clean}"`,
        detail: { from: incident.title, to: clean },
      };
    });
  }

  async assignRole(origin: Origin, incidentId: string, role: Role, person: Person): Promise<Change> {
    return this.#change(origin, incidentId, "role", async (tx, incident, now) => {
      const current = await tx.roleAssignment.findUnique({
        where: { incidentId_role: { incidentId: incident.id, role } },
        include: { person: true },
      });
      if (current?.personId === person.id) {
        throw new UserError(`${person.displayName} is already ${ROLES[role].name} of ${incident.publicId}.`, {
          code: "role.already_held",
        });
      }
      await tx.roleAssignment.upsert({
        where: { incidentId_role: { incidentId: incident.id, role } },
        create: { incidentId: incident.id, role, personId: person.id, assignedAt: now },
        update: { personId: person.id, assignedAt: now },
      });
      await addParticipant(tx, incident.id, person.id, now);
      const replaced = current ? ` (was ${current.person.displayName})` : "";
      const updated = await tx.incident.findUniqueOrThrow({ where: { id: incident.id } });
      return {
        incident: updated,
        text: `${person.displayName} is now ${ROLES[role].name}${replaced}`,
        detail: { role, personId: person.id, previous: current?.personId },
      };
    });
  }

  async invite(origin: Origin, incidentId: string, people: Person[]): Promise<Change> {
    if (people.length === 0) throw new UserError("Mention who to invite.", { code: "invite.nobody" });
    return this.#change(origin, incidentId, "invite", async (tx, incident, now) => {
      for (const person of people) await addParticipant(tx, incident.id, person.id, now);
      return {
        incident,
        text: `invited ${people.map((p) => p.displayName).join(", ")}`,
        detail: { personIds: people.map((p) => p.id) },
      };
    });
  }

  /** A timeline note (`note`) or a stakeholder status update (`update`). */
  async addEntry(origin: Origin, incidentId: string, kind: "note" | "update", text: string): Promise<Change> {
    const clean = text.trim();
    if (!clean) throw new UserError(`Write the ${kind}.`, { code: "incident.text_missing" });
    if (clean.length > MAX_TEXT_LENGTH)
      throw new UserError(`That ${kind} is too long (max ${MAX_TEXT_LENGTH} characters).`, {
        code: "incident.text_too_long",
      });
    return this.#change(origin, incidentId, kind, async (_tx, incident) => ({
      incident,
      text: clean,
      detail: {},
    }));
  }

  async addTask(origin: Origin, incidentId: string, text: string): Promise<Change & { task: Task }> {
    const clean = text.trim();
    if (!clean) throw new UserError("Describe the task.", { code: "task.text_missing" });
    if (clean.length > MAX_TEXT_LENGTH)
      throw new UserError(`That task is too long (max ${MAX_TEXT_LENGTH} characters).`, {
        code: "task.text_too_long",
      });
    let task: Task | undefined;
    const change = await this.#change(origin, incidentId, "task", async (tx, incident, now) => {
      const last = await tx.task.aggregate({ where: { incidentId: incident.id }, _max: { number: true } });
      task = await tx.task.create({
        data: {
          incidentId: incident.id,
          number: (last._max.number ?? 0) + 1,
          text: clean,
          createdById: origin.actor.id,
          createdAt: now,
        },
      });
      return { incident, text: `task #${task.number} added: ${clean}`, detail: { number: task.number } };
    });
    return { ...change, task: task! };
  }

  async completeTask(origin: Origin, incidentId: string, number: number): Promise<Change> {
    return this.#change(origin, incidentId, "task-done", async (tx, incident, now) => {
      const task = await tx.task.findUnique({
        where: { incidentId_number: { incidentId: incident.id, number } },
      });
      if (!task)
        throw new UserError(`${incident.publicId} has no task #${number}.`, {
          code: "task.not_found",
        });
      if (task.doneAt) throw new UserError(`Task #${number} is already done.`, { code: "task.already_done" });
      await tx.task.update({ where: { id: task.id }, data: { doneAt: now, doneById: origin.actor.id } });
      return { incident, text: `task #${number} done: ${task.text}`, detail: { number } };
    });
  }

  /** The change of this timeline entry has been announced in the incident's rooms. */
  async announced(timelineEntryId: string): Promise<void> {
    await this.#db.$executeRaw`
      update "TimelineEntry" set "announcementPending" = false where id = ${timelineEntryId}`;
  }

  /**
   * Claims changes whose announcement was never made (the process died between the change and
   * its announcement), older than `olderThan` so commands still running are left alone. Claimed
   * means cleared: with several replicas each entry is announced once.
   */
  async claimPendingAnnouncements(olderThan: Date, limit = 100) {
    return rows(
      z.object({
        id: z.string(),
        incidentId: z.string(),
        kind: z.string(),
        text: z.string(),
        actorId: z.string().nullable(),
      }),
      await this.#db.$queryRaw`
        update "TimelineEntry" set "announcementPending" = false
         where id in (select id from "TimelineEntry" where "announcementPending" and at < ${olderThan}
                       order by at limit ${limit} for update skip locked)
        returning id, "incidentId", kind, text, "actorId"`,
    );
  }

  async bindRoom(incidentId: string, platform: PlatformName, roomId: string, name: string): Promise<void> {
    await this.#db.incidentRoom.upsert({
      where: { platform_roomId: { platform, roomId } },
      create: { incidentId, platform, roomId, name },
      update: { incidentId, name },
    });
  }

  async setSummaryMessage(platform: PlatformName, roomId: string, messageId: string): Promise<void> {
    await this.#db.incidentRoom.update({
      where: { platform_roomId: { platform, roomId } },
      data: { summaryMessageId: messageId },
    });
  }

  async #change(
    origin: Origin,
    incidentId: string,
    kind: string,
    apply: (
      tx: DbTransaction,
      incident: Incident,
      now: Date,
    ) => Promise<{ incident: Incident; text: string; detail: Record<string, unknown> }>,
  ): Promise<Change> {
    return this.#db.$transaction(async (tx) => {
      await claimEvent(tx, origin);
      const now = this.#clock.now();
      // The update takes the row lock first, so concurrent changes of one incident apply one
      // after the other, each against the state the previous one left.
      const [current] = rows(
        incidentRow,
        await tx.$queryRaw`update "Incident" set "updatedAt" = ${now} where id = ${incidentId} returning *`,
      );
      if (!current) throw new UserError("That incident no longer exists.", { code: "incident.gone" });
      if (current.status === "merged" && kind !== "status") {
        throw new UserError(`${current.publicId} was merged into another incident; work there.`, {
          code: "incident.merged",
        });
      }
      const result = await apply(tx, current, now);
      const timelineEntryId = await record(
        tx,
        origin,
        result.incident,
        now,
        kind,
        result.text,
        result.detail,
        {
          announcementPending: true,
        },
      );
      return { incident: result.incident, text: result.text, kind, timelineEntryId };
    });
  }
}

function cleanTitle(title: string): string {
  const clean = title.replace(/\s+/g, " ").trim();
  if (!clean)
    throw new UserError("An incident needs a title.", {
      code: "incident.title_missing",
    });
  if (clean.length > MAX_TITLE_LENGTH)
    throw new UserError(`That title is too long (max ${MAX_TITLE_LENGTH} characters).`, {
      code: "incident.title_too_long",
    });
  return clean;
}

/** Records the inbound event as handled, inside the change's transaction. */
export async function claimEvent(tx: DbTransaction, origin: Origin): Promise<void> {
  // A concurrent claim of the same key waits here for the other transaction, then finds it taken.
  const claimed = await tx.$executeRaw`
    insert into "ProcessedEvent" (platform, key, "processedAt") values (${origin.platform}, ${origin.dedupeKey}, now())
    on conflict do nothing`;
  if (claimed === 0) throw new DuplicateEvent(origin.dedupeKey);
}

async function addParticipant(
  tx: DbTransaction,
  incidentId: string,
  personId: string,
  now: Date,
): Promise<void> {
  await tx.participant.upsert({
    where: { incidentId_personId: { incidentId, personId } },
    create: { incidentId, personId, addedAt: now },
    update: {},
  });
}

async function record(
  tx: DbTransaction,
  origin: Origin,
  incident: Incident,
  now: Date,
  kind: string,
  text: string,
  detail: Record<string, unknown>,
  options: { announcementPending: boolean },
): Promise<string> {
  return recordActivity(tx, {
    actor: actorOf(origin),
    at: now,
    action: `incident.${kind}`,
    detail,
    timeline: { incidentId: incident.id, kind, text, announcementPending: options.announcementPending },
  });
}
