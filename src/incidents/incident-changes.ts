// Changing an incident: every change runs in one transaction that (1) claims the inbound
// event's dedupe key, (2) locks the incident row so concurrent changes (other replicas, double
// clicks) apply one after the other against fresh state, (3) writes the change, a timeline
// entry and an audit entry. Either all of it lands or none of it. A note and a move between open
// statuses take one statement instead (change-statements.ts).
import { recordActivity } from "../activity/activity.ts";
import { actorOf, type Origin } from "../activity/origin.ts";
import type { Clock } from "../clock.ts";
import type { Db, DbTransaction } from "../db/database.ts";
import { empty, raw, sql } from "../db/statement.ts";
import { UserError } from "../errors.ts";
import type { Incident, Person, Prisma, Task } from "../generated/prisma/client.ts";
import {
  changeInOneStatement,
  claimAndLock,
  type RoomOfIncident,
  roomsInTransaction,
} from "./change-statements.ts";
import {
  type Change,
  type ClosedHook,
  cleanTitle,
  DuplicateEvent,
  MAX_TEXT_LENGTH,
  type SeverityHook,
} from "./incident-change.ts";
import { noSuchIncident } from "./incident-queries.ts";
import {
  assertTransition,
  canTransition,
  type EndingStatus,
  formatSeverity,
  isEnding,
  isOpen,
  PHASE_TIMESTAMP,
  type Severity,
  type Status,
} from "./lifecycle.ts";
import type { IncidentIds } from "./public-id.ts";
import { ROLES, type Role } from "./roles.ts";
import { describeRsitType } from "./taxonomy.ts";
import { formatTlp, storedTlp, type TlpLabel } from "./tlp.ts";

/**
 * What ending an incident without a reason is answered; the reason is kept as its resolution.
 * The router adds how to say it (src/router/hints.ts).
 */
const ENDING_NEEDS_REASON: Record<EndingStatus, { code: string; message: string }> = {
  closed: { code: "status.resolution_missing", message: "Say how it ended." },
  declined: { code: "status.decline_reason_missing", message: "Say why it is not an incident." },
  merged: { code: "status.merge_target_missing", message: "Say which incident this one duplicates." },
};

export class IncidentChanges {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly ids: IncidentIds;
  readonly #closedHooks: ClosedHook[];
  readonly #severityHooks: SeverityHook[];

  constructor(deps: {
    db: Db;
    clock: Clock;
    ids: IncidentIds;
    closedHooks: ClosedHook[];
    severityHooks: SeverityHook[];
  }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.ids = deps.ids;
    this.#closedHooks = deps.closedHooks;
    this.#severityHooks = deps.severityHooks;
  }

  /**
   * Moves the incident to another status. `seen` is the incident as the caller found it: a move
   * between open statuses from that status is one statement; any other, or when the incident
   * changed meanwhile, takes the transaction (which checks the transition against fresh state).
   */
  async changeStatus(
    origin: Origin,
    incidentId: string,
    to: Status,
    note?: string,
    seen?: Pick<Incident, "status">,
  ): Promise<Change> {
    if (isEnding(to) && !note?.trim())
      throw new UserError(ENDING_NEEDS_REASON[to].message, { code: ENDING_NEEDS_REASON[to].code });
    if (seen && !isEnding(to) && canTransition(seen.status, to)) {
      const from = seen.status;
      const suffix = note?.trim() ? `: ${note.trim()}` : "";
      const text = `status ${from} → ${to}${suffix}`;
      const now = this.#clock.now();
      const column = PHASE_TIMESTAMP[to];
      const fast = await changeInOneStatement(this.#db, {
        origin,
        incidentId,
        now,
        expect: sql`status = ${from}::"IncidentStatus"`,
        // The phase's first time is kept: a column of a fixed list, never typed input.
        set: sql`, status = ${to}::"IncidentStatus"${
          column ? sql`, ${raw(`"${column}"`)} = coalesce(${raw(`"${column}"`)}, ${now})` : empty
        }`,
        activity: {
          actor: actorOf(origin),
          at: now,
          action: "incident.status",
          detail: { from, to, note },
          timeline: { incidentId, kind: "status", text, announcementPending: true },
        },
        withDetails: true,
      });
      if (fast.outcome === "duplicate") throw new DuplicateEvent(origin.dedupeKey);
      if (fast.outcome === "changed") {
        const { incident, rooms, details, timelineEntryId } = fast;
        return { incident, rooms, details, text, kind: "status", timelineEntryId };
      }
    }
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
      // The database reset what the rooms were last shown (a trigger of the migration
      // room_shown_reset): the rooms as they are now, or the refresh would compare with the record
      // from before, find it reset meanwhile and refresh everything twice.
      const changed = updated.tlp !== incident.tlp || updated.restricted !== incident.restricted;
      return {
        incident: updated,
        rooms: changed ? await roomsInTransaction(tx, incident.id) : undefined,
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
    // The hot path (every note): one statement (change-statements.ts); the transaction below
    // when the incident is not as expected (merged, gone), which answers why.
    const now = this.#clock.now();
    const fast = await changeInOneStatement(this.#db, {
      origin,
      incidentId,
      now,
      expect: sql`status <> 'merged'`,
      set: empty,
      activity: {
        actor: actorOf(origin),
        at: now,
        action: `incident.${kind}`,
        detail: {},
        timeline: { incidentId, kind, text: clean, announcementPending: true },
      },
      withDetails: false,
    });
    if (fast.outcome === "duplicate") throw new DuplicateEvent(origin.dedupeKey);
    if (fast.outcome === "changed") return { ...fast, text: clean, kind };
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

  async #change(
    origin: Origin,
    incidentId: string,
    kind: string,
    apply: (
      tx: DbTransaction,
      incident: Incident,
      now: Date,
    ) => Promise<{
      incident: Incident;
      text: string;
      detail: Record<string, unknown>;
      /** The rooms when the change altered them (the ones the lock read otherwise). */
      rooms?: RoomOfIncident[];
    }>,
  ): Promise<Change> {
    return this.#db.$transaction(async (tx) => {
      const now = this.#clock.now();
      // One statement claims the event, takes the row lock (so concurrent changes of one incident
      // apply one after the other, each against the state the previous one left) and reads the
      // incident's rooms for the announcement.
      const found = await claimAndLock(tx, origin, incidentId, now);
      // A concurrent claim of the same key waited for the other transaction, then found it taken.
      if (!found?.claimed) throw new DuplicateEvent(origin.dedupeKey);
      if (!found.incident) throw new UserError("That incident no longer exists.", { code: "incident.gone" });
      const current = found.incident;
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
      const rooms = result.rooms ?? found.rooms;
      return { incident: result.incident, rooms, text: result.text, kind, timelineEntryId };
    });
  }
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
