// Regulatory deadlines of an incident (`/inc deadlines start nis2`): each milestone of a preset
// (deadline-presets.ts) gets a due time, an advance warning (by default when 25% of the time is
// left) and a warning at the due time, posted in the incident's rooms by durable jobs. A job
// re-checks the milestone when it fires: one marked done (`/inc deadlines done nis2
// early-warning`) or stopped is not warned about.
//
// A due time is known at start for milestones counted from awareness. One counted from another
// milestone (NIS2's final report, one month after the notification) gets its due time, and its
// warning jobs, in the transaction that marks that milestone done; one due on request (NIS2's
// intermediate report) gets them from `/inc deadlines request`. Rescheduling cancels the jobs
// of the old due time (their keys start with the milestone's prefix) before adding the new ones.
import type { Logger } from "pino";
import { z } from "zod";
import { recordActivity } from "../activity/activity.ts";
import { actorOf, type Origin } from "../activity/origin.ts";
import type { Clock } from "../clock.ts";
import type { Db, DbTransaction } from "../db/database.ts";
import { loadedPrisma } from "../db/lazy-prisma.ts";
import { UserError } from "../errors.ts";
import type { Incident, IncidentDeadline, Prisma } from "../generated/prisma/client.ts";
import type { Job, JobContext, JobKind, JobQueue } from "../jobs/queue.ts";
import { formatDelay } from "../oncall/durations.ts";
import { deadlineWarning, type WarningKind } from "./deadline-messages.ts";
import {
  type DeadlineOffset,
  type DeadlinePreset,
  type DeadlineWarning,
  deadlinePresets,
  dueAfter,
  warningAt,
} from "./deadline-presets.ts";
import type { IncidentRooms } from "./incident-rooms.ts";
import { claimEvent } from "./incidents.ts";
import { formatTime } from "./render.ts";

export const DEADLINE_WARNING_JOB = "incident.deadline-warning";

const deadlineWarningPayload = z.object({
  incidentId: z.string(),
  preset: z.string(),
  milestone: z.string(),
  warning: z.enum(["ahead", "due"]) satisfies z.ZodType<WarningKind>,
});

export interface IncidentDeadlinesOptions {
  db: Db;
  clock: Clock;
  jobs: JobQueue;
  rooms: IncidentRooms;
  log: Logger;
  timeZone: string;
  /** The configuration's presets (read each time, so a reload applies to deadlines started later). */
  configured: () => readonly DeadlinePreset[];
}

/** A milestone marked done, and the milestones that now have a due time because of it. */
export interface MetResult {
  met: IncidentDeadline;
  scheduled: IncidentDeadline[];
}

export class IncidentDeadlines {
  readonly #options: IncidentDeadlinesOptions;
  readonly #warningJob: JobKind<typeof deadlineWarningPayload>;

  constructor(options: IncidentDeadlinesOptions) {
    this.#options = options;
    this.#warningJob = options.jobs.define({
      kind: DEADLINE_WARNING_JOB,
      payload: deadlineWarningPayload,
      handler: (job, ctx) => this.#warn(job, ctx),
    });
  }

  presets(): DeadlinePreset[] {
    return deadlinePresets(this.#options.configured());
  }

  preset(id: string): DeadlinePreset {
    const presets = this.presets();
    const preset = presets.find((p) => p.id === id.toLowerCase());
    if (!preset) {
      throw new UserError(
        `There is no deadline preset "${id}". Presets: ${presets.map((p) => p.id).join(", ")}.`,
        { code: "deadline.preset_unknown" },
      );
    }
    return preset;
  }

  /** Known due times first, in order; then the ones waiting for a milestone or a request. */
  async list(incidentId: string): Promise<IncidentDeadline[]> {
    const rows = await this.#options.db.incidentDeadline.findMany({ where: { incidentId } });
    // By due time; those without one last, in their preset's order (intermediate, then final report).
    const order = new Map(
      this.presets().flatMap((preset) =>
        preset.milestones.map((m, index) => [`${preset.id} ${m.id}`, index] as const),
      ),
    );
    const rank = (d: IncidentDeadline) => order.get(`${d.preset} ${d.milestone}`) ?? Number.MAX_SAFE_INTEGER;
    const due = (d: IncidentDeadline) => d.dueAt?.getTime() ?? Number.POSITIVE_INFINITY;
    return rows.sort((a, b) => due(a) - due(b) || a.preset.localeCompare(b.preset) || rank(a) - rank(b));
  }

  /** Starts a preset's deadlines, counted from `awareAt` (default: the declaration). */
  async start(
    origin: Origin,
    incident: Incident,
    presetId: string,
    awareAt?: Date,
  ): Promise<IncidentDeadline[]> {
    const { db, clock, jobs, timeZone } = this.#options;
    const preset = this.preset(presetId);
    const now = clock.now();
    const aware = awareAt ?? incident.declaredAt;
    if (aware.getTime() > now.getTime()) {
      throw new UserError("The awareness time is in the future; give when you became aware (aware:09:30).", {
        code: "deadline.aware_in_future",
      });
    }
    await db.$transaction(async (tx) => {
      await claimEvent(tx, origin);
      const running = await tx.incidentDeadline.count({
        where: { incidentId: incident.id, preset: preset.id, stoppedAt: null },
      });
      if (running > 0) {
        throw new UserError(`The ${preset.name} deadlines of ${incident.publicId} are already running.`, {
          code: "deadline.already_running",
        });
      }
      for (const milestone of preset.milestones) {
        const fromAwareness = milestone.after !== undefined && milestone.from === undefined;
        const dueAt = fromAwareness ? dueAfter(aware, milestone.after!, timeZone) : null;
        const fields = {
          presetName: preset.name,
          name: milestone.name,
          awareAt: aware,
          dueAt,
          countsFrom: milestone.from ?? null,
          countsFromAt: fromAwareness ? aware : null,
          offset: jsonOrNull(milestone.after),
          warnBefore: jsonOrNull(preset.warnBefore),
          onRequest: milestone.onRequest === true,
          warnAt: dueAt ? warningAt(aware, dueAt, preset.warnBefore) : null,
          warnedAt: null,
          dueNotifiedAt: null,
          metAt: null,
          metById: null,
          stoppedAt: null,
          createdById: origin.actor.id,
          createdAt: now,
        };
        // A preset stopped earlier and started again reuses its rows.
        const row = await tx.incidentDeadline.upsert({
          where: {
            incidentId_preset_milestone: {
              incidentId: incident.id,
              preset: preset.id,
              milestone: milestone.id,
            },
          },
          create: { incidentId: incident.id, preset: preset.id, milestone: milestone.id, ...fields },
          update: fields,
        });
        await this.#scheduleWarnings(tx, row, now);
      }
      await recordActivity(tx, {
        actor: actorOf(origin),
        at: now,
        action: "incident.deadlines",
        detail: { preset: preset.id, awareAt: aware.toISOString() },
        timeline: {
          incidentId: incident.id,
          kind: "deadlines",
          text: `${preset.name} deadlines started, counted from ${formatTime(aware, timeZone)}`,
        },
      });
    });
    // An awareness time far enough back may make something due already.
    jobs.kick();
    return (await this.list(incident.id)).filter((d) => d.preset === preset.id);
  }

  /**
   * Marks a milestone met (the report was sent): no more warnings for it. Milestones counted from
   * it get their due time (from now) and their warnings in the same transaction.
   */
  async markMet(origin: Origin, incident: Incident, words: readonly string[]): Promise<MetResult> {
    const { db, clock, jobs, timeZone } = this.#options;
    const now = clock.now();
    const result = await db.$transaction(async (tx) => {
      await claimEvent(tx, origin);
      const deadline = await findRunning(tx, incident, words);
      if (deadline.metAt)
        throw new UserError(`The ${deadline.presetName} ${deadline.name} is already marked done.`, {
          code: "deadline.already_done",
        });
      const met = await tx.incidentDeadline.update({
        where: { id: deadline.id },
        data: { metAt: now, metById: origin.actor.id },
      });
      await jobs.cancel(tx, deadlineKey(incident.id, deadline.preset, deadline.milestone));
      const late =
        deadline.dueAt && now.getTime() > deadline.dueAt.getTime()
          ? ` (${formatDelay(now.getTime() - deadline.dueAt.getTime())} late)`
          : "";
      await recordActivity(tx, {
        actor: actorOf(origin),
        at: now,
        action: "incident.deadline-met",
        detail: { preset: deadline.preset, milestone: deadline.milestone },
        timeline: {
          incidentId: incident.id,
          kind: "deadlines",
          text: `${deadline.presetName} ${deadline.name} done at ${formatTime(now, timeZone)}${late}`,
        },
      });
      const dependents = await tx.incidentDeadline.findMany({
        where: {
          incidentId: incident.id,
          preset: deadline.preset,
          countsFrom: deadline.milestone,
          metAt: null,
          stoppedAt: null,
        },
      });
      const scheduled: IncidentDeadline[] = [];
      for (const dependent of dependents) {
        const offset = dependent.offset as DeadlineOffset | null;
        if (!offset) continue;
        const dueAt = dueAfter(now, offset, timeZone);
        scheduled.push(await this.#reschedule(tx, dependent, now, dueAt));
      }
      return { met, scheduled };
    });
    jobs.kick();
    return result;
  }

  /**
   * An authority asked for a milestone due on request (NIS2's intermediate report) by `dueAt`;
   * asked again, the new due time replaces the old one.
   */
  async request(
    origin: Origin,
    incident: Incident,
    words: readonly string[],
    dueAt: Date,
  ): Promise<IncidentDeadline> {
    const { db, clock, jobs, timeZone } = this.#options;
    const now = clock.now();
    if (dueAt.getTime() <= now.getTime())
      throw new UserError("The due time is not in the future.", { code: "deadline.due_not_future" });
    const row = await db.$transaction(async (tx) => {
      await claimEvent(tx, origin);
      const deadline = await findRunning(tx, incident, words);
      if (!deadline.onRequest) {
        throw new UserError(
          `The ${deadline.presetName} ${deadline.name} is not made on request; it is due ${deadline.dueAt ? formatTime(deadline.dueAt, timeZone) : "after another milestone"}.`,
          { code: "deadline.not_on_request" },
        );
      }
      if (deadline.metAt)
        throw new UserError(`The ${deadline.presetName} ${deadline.name} is already marked done.`, {
          code: "deadline.already_done",
        });
      const again = deadline.dueAt !== null;
      const updated = await this.#reschedule(tx, deadline, now, dueAt);
      await recordActivity(tx, {
        actor: actorOf(origin),
        at: now,
        action: "incident.deadline-requested",
        detail: { preset: deadline.preset, milestone: deadline.milestone, dueAt: dueAt.toISOString() },
        timeline: {
          incidentId: incident.id,
          kind: "deadlines",
          text: `${deadline.presetName} ${deadline.name} requested${again ? " again" : ""}, due ${formatTime(dueAt, timeZone)}`,
        },
      });
      return updated;
    });
    jobs.kick();
    return row;
  }

  /** Stops a preset's deadlines (it turned out not to apply). */
  async stop(origin: Origin, incident: Incident, presetId: string): Promise<number> {
    const { db, clock, jobs } = this.#options;
    const preset = this.preset(presetId);
    const now = clock.now();
    return db.$transaction(async (tx) => {
      await claimEvent(tx, origin);
      const { count } = await tx.incidentDeadline.updateMany({
        where: { incidentId: incident.id, preset: preset.id, stoppedAt: null },
        data: { stoppedAt: now },
      });
      if (count === 0)
        throw new UserError(`The ${preset.name} deadlines of ${incident.publicId} are not running.`, {
          code: "deadline.not_running",
        });
      await jobs.cancel(tx, `deadline:${incident.id}:${preset.id}:`);
      await recordActivity(tx, {
        actor: actorOf(origin),
        at: now,
        action: "incident.deadlines-stopped",
        detail: { preset: preset.id },
        timeline: { incidentId: incident.id, kind: "deadlines", text: `${preset.name} deadlines stopped` },
      });
      return count;
    });
  }

  /** Gives a milestone a due time counted from `from`, replacing its warning jobs. */
  async #reschedule(
    tx: DbTransaction,
    deadline: IncidentDeadline,
    from: Date,
    dueAt: Date,
  ): Promise<IncidentDeadline> {
    const { jobs } = this.#options;
    await jobs.cancel(tx, deadlineKey(deadline.incidentId, deadline.preset, deadline.milestone));
    const updated = await tx.incidentDeadline.update({
      where: { id: deadline.id },
      data: {
        dueAt,
        countsFromAt: from,
        warnAt: warningAt(from, dueAt, deadline.warnBefore as DeadlineWarning),
        warnedAt: null,
        dueNotifiedAt: null,
      },
    });
    await this.#scheduleWarnings(tx, updated, from);
    return updated;
  }

  /** The warning jobs of a milestone with a due time; a warning time already gone is given now. */
  async #scheduleWarnings(tx: DbTransaction, deadline: IncidentDeadline, now: Date): Promise<void> {
    const jobs = this.#warningJob;
    if (!deadline.dueAt) return;
    const key = deadlineKey(deadline.incidentId, deadline.preset, deadline.milestone);
    const version = `${deadline.dueAt.toISOString()}@${now.toISOString()}`;
    const payload = {
      incidentId: deadline.incidentId,
      preset: deadline.preset,
      milestone: deadline.milestone,
    };
    if (deadline.warnAt && deadline.dueAt.getTime() > now.getTime()) {
      await jobs.enqueue(tx, {
        key: `${key}warn:${version}`,
        payload: { ...payload, warning: "ahead" as const },
        dueAt: new Date(Math.max(deadline.warnAt.getTime(), now.getTime())),
      });
    }
    await jobs.enqueue(tx, {
      key: `${key}due:${version}`,
      payload: { ...payload, warning: "due" as const },
      dueAt: deadline.dueAt,
    });
  }

  async #warn(job: Job<z.output<typeof deadlineWarningPayload>>, ctx: JobContext): Promise<void> {
    const { incidentId, preset, milestone, warning } = job.payload;
    const { db, rooms, timeZone } = this.#options;
    const deadline = await db.incidentDeadline.findUnique({
      where: { incidentId_preset_milestone: { incidentId, preset, milestone } },
      include: { incident: true },
    });
    if (!deadline?.dueAt || deadline.metAt || deadline.stoppedAt) return;
    const counted = deadline.countsFrom
      ? await db.incidentDeadline.findUnique({
          where: { incidentId_preset_milestone: { incidentId, preset, milestone: deadline.countsFrom } },
        })
      : null;
    await rooms.announce(
      incidentId,
      deadlineWarning(
        { ...deadline, dueAt: deadline.dueAt },
        deadline.incident,
        warning,
        ctx.now,
        timeZone,
        counted,
      ),
      { refreshSummary: false },
    );
    await db.$transaction(async (tx) => {
      await tx.incidentDeadline.update({
        where: { id: deadline.id },
        data: warning === "ahead" ? { warnedAt: ctx.now } : { dueNotifiedAt: ctx.now },
      });
      await ctx.complete(tx);
    });
  }
}

/** Every job key of one milestone starts with this; a preset's with `deadline:<incident>:<preset>:`. */
function deadlineKey(incidentId: string, preset: string, milestone: string): string {
  return `deadline:${incidentId}:${preset}:${milestone}:`;
}

/** Called inside a transaction's callback: Prisma's client (and its DbNull) is loaded by then. */
function jsonOrNull(value: unknown): Prisma.InputJsonValue | typeof Prisma.DbNull {
  return value === undefined || value === null ? loadedPrisma().DbNull : (value as Prisma.InputJsonValue);
}

/**
 * The running milestone the words name: `<preset> <milestone>`, or `<milestone>` alone when one
 * running preset has it. A milestone may be given by the start of its id (`intermediate`).
 */
async function findRunning(
  tx: DbTransaction,
  incident: Incident,
  words: readonly string[],
): Promise<IncidentDeadline> {
  const running = await tx.incidentDeadline.findMany({ where: { incidentId: incident.id, stoppedAt: null } });
  const [presetWord, milestoneWord] = words.length >= 2 ? [words[0], words[1]] : [undefined, words[0]];
  const preset = presetWord?.toLowerCase();
  const milestone = (milestoneWord ?? "").toLowerCase();
  const inPreset = running.filter((d) => preset === undefined || d.preset === preset);
  const exact = inPreset.filter((d) => d.milestone === milestone);
  const matches =
    exact.length > 0 ? exact : inPreset.filter((d) => milestone && d.milestone.startsWith(milestone));
  if (matches.length === 1) return matches[0]!;
  const named = [preset, milestoneWord].filter(Boolean).join(" ");
  if (matches.length > 1) {
    throw new UserError(
      `"${named}" could be ${matches.map((d) => `${d.preset} ${d.milestone}`).join(" or ")}: say which.`,
      { code: "deadline.ambiguous" },
    );
  }
  const list = running.map((d) => `${d.preset} ${d.milestone}`).join(", ");
  throw new UserError(
    `${incident.publicId} has no running deadline "${named}".${list ? ` Running: ${list}.` : ""}`,
    {
      code: list ? "deadline.not_found" : "deadline.none_running",
    },
  );
}
