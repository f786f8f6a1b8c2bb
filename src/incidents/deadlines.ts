// Regulatory deadlines of an incident (`/inc deadlines start nis2`): each milestone of a preset
// gets a due time counted from when the organisation became aware of the incident, an advance
// warning (by default when 25% of the time is left) and a warning at the due time, posted in the
// incident's rooms by durable jobs. A job re-checks the milestone when it fires: one marked done
// (`/inc deadlines done nis2 early-warning`) or stopped is not warned about.
//
// Shipped presets (the on-call configuration's `deadlines:` adds presets or replaces these by id):
// - nis2: Directive (EU) 2022/2555 Art. 23(4), significant incidents: early warning within 24 h,
//   incident notification within 72 h, final report within one month. The directive counts the
//   final report's month from the notification; counting it from awareness, as here, is never
//   later than the legal deadline.
// - gdpr: Regulation (EU) 2016/679 Art. 33, personal data breaches: notification to the
//   supervisory authority within 72 h after becoming aware.
// Calendar months are counted in the desk's time zone (1 month after 31 January is 28/29
// February, as luxon does).
import { DateTime } from "luxon";
import type { Logger } from "pino";
import { actions, context, type Message, table, text } from "../chat/message.ts";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/database.ts";
import { UserError } from "../errors.ts";
import type { Incident, IncidentDeadline } from "../generated/prisma/client.ts";
import type { ClaimedJob, JobContext, JobQueue } from "../jobs/queue.ts";
import type { DeadlineOffset, DeadlinePreset, DeadlineWarning } from "../oncall/config.ts";
import { formatDelay } from "../oncall/durations.ts";
import type { Origin } from "../router/command.ts";
import type { IncidentRooms } from "./incident-rooms.ts";
import { actorOf, claimEvent, recordActivity } from "./incidents.ts";
import { formatTime } from "./render.ts";

export const DEADLINE_WARNING_JOB = "incident.deadline-warning";

const HOUR = 3_600_000;

export const SHIPPED_DEADLINE_PRESETS: readonly DeadlinePreset[] = [
  {
    id: "nis2",
    name: "NIS2",
    description:
      "Directive (EU) 2022/2555, Art. 23(4): significant incidents, reported to the CSIRT or competent authority",
    warnBefore: { kind: "fraction", fraction: 0.25 },
    milestones: [
      { id: "early-warning", name: "early warning", after: { kind: "duration", ms: 24 * HOUR } },
      { id: "notification", name: "incident notification", after: { kind: "duration", ms: 72 * HOUR } },
      { id: "final-report", name: "final report", after: { kind: "months", months: 1 } },
    ],
  },
  {
    id: "gdpr",
    name: "GDPR",
    description:
      "Regulation (EU) 2016/679, Art. 33: personal data breach, notified to the supervisory authority",
    warnBefore: { kind: "fraction", fraction: 0.25 },
    milestones: [
      {
        id: "notification",
        name: "notification to the supervisory authority",
        after: { kind: "duration", ms: 72 * HOUR },
      },
    ],
  },
];

/** The presets in use: the shipped ones, replaced or extended by the configuration's. */
export function deadlinePresets(configured: readonly DeadlinePreset[] = []): DeadlinePreset[] {
  const byId = new Map(SHIPPED_DEADLINE_PRESETS.map((preset) => [preset.id, preset]));
  for (const preset of configured) byId.set(preset.id, preset);
  return [...byId.values()];
}

export function dueAfter(awareAt: Date, offset: DeadlineOffset, timeZone: string): Date {
  if (offset.kind === "duration") return new Date(awareAt.getTime() + offset.ms);
  return DateTime.fromJSDate(awareAt, { zone: timeZone }).plus({ months: offset.months }).toJSDate();
}

/** When the advance warning is due, or null for none (or when it would not be before the deadline). */
export function warningAt(awareAt: Date, dueAt: Date, warning: DeadlineWarning): Date | null {
  if (warning === null) return null;
  const span = dueAt.getTime() - awareAt.getTime();
  const lead = warning.kind === "fraction" ? Math.round(span * warning.fraction) : warning.ms;
  if (lead <= 0 || lead >= span) return null;
  return new Date(dueAt.getTime() - lead);
}

type WarningKind = "ahead" | "due";

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

export class IncidentDeadlines {
  readonly #options: IncidentDeadlinesOptions;

  constructor(options: IncidentDeadlinesOptions) {
    this.#options = options;
    options.jobs.register(DEADLINE_WARNING_JOB, (job, ctx) => this.#warn(job, ctx));
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
      );
    }
    return preset;
  }

  async list(incidentId: string): Promise<IncidentDeadline[]> {
    return this.#options.db.incidentDeadline.findMany({
      where: { incidentId },
      orderBy: [{ dueAt: "asc" }, { preset: "asc" }],
    });
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
      throw new UserError("The awareness time is in the future; give when you became aware (aware:09:30).");
    }
    const milestones = preset.milestones.map((milestone) => {
      const dueAt = dueAfter(aware, milestone.after, timeZone);
      return { milestone, dueAt, warnAt: warningAt(aware, dueAt, preset.warnBefore) };
    });
    await db.$transaction(async (tx) => {
      await claimEvent(tx, origin);
      const running = await tx.incidentDeadline.count({
        where: { incidentId: incident.id, preset: preset.id, stoppedAt: null },
      });
      if (running > 0) {
        throw new UserError(
          `The ${preset.name} deadlines of ${incident.publicId} are already running: \`/inc deadlines\` lists them.`,
        );
      }
      for (const { milestone, dueAt, warnAt } of milestones) {
        const fields = {
          presetName: preset.name,
          name: milestone.name,
          awareAt: aware,
          dueAt,
          warnAt,
          warnedAt: null,
          dueNotifiedAt: null,
          metAt: null,
          metById: null,
          stoppedAt: null,
          createdById: origin.actor.id,
          createdAt: now,
        };
        // A preset stopped earlier and started again reuses its rows.
        await tx.incidentDeadline.upsert({
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
        const key = deadlineKey(incident.id, preset.id, milestone.id);
        // Started late (awareness given in the past): a warning time already gone is given now.
        if (warnAt && dueAt.getTime() > now.getTime()) {
          await jobs.enqueue(tx, {
            kind: DEADLINE_WARNING_JOB,
            key: `${key}warn:${now.toISOString()}`,
            payload: {
              incidentId: incident.id,
              preset: preset.id,
              milestone: milestone.id,
              warning: "ahead",
            },
            dueAt: new Date(Math.max(warnAt.getTime(), now.getTime())),
          });
        }
        await jobs.enqueue(tx, {
          kind: DEADLINE_WARNING_JOB,
          key: `${key}due:${now.toISOString()}`,
          payload: { incidentId: incident.id, preset: preset.id, milestone: milestone.id, warning: "due" },
          dueAt,
        });
      }
      await recordActivity(
        tx,
        actorOf(origin),
        now,
        "incident.deadlines",
        { preset: preset.id, awareAt: aware.toISOString() },
        {
          incidentId: incident.id,
          kind: "deadlines",
          text: `${preset.name} deadlines started, counted from ${formatTime(aware, timeZone)}`,
        },
      );
    });
    // An awareness time far enough back may make something due already.
    jobs.kick();
    return (await this.list(incident.id)).filter((d) => d.preset === preset.id);
  }

  /** Marks a milestone met (the report was sent): no more warnings for it. */
  async markMet(
    origin: Origin,
    incident: Incident,
    presetId: string,
    milestoneId: string,
  ): Promise<IncidentDeadline> {
    const { db, clock, jobs, timeZone } = this.#options;
    const now = clock.now();
    return db.$transaction(async (tx) => {
      await claimEvent(tx, origin);
      const deadline = await tx.incidentDeadline.findUnique({
        where: {
          incidentId_preset_milestone: {
            incidentId: incident.id,
            preset: presetId.toLowerCase(),
            milestone: milestoneId.toLowerCase(),
          },
        },
      });
      if (!deadline || deadline.stoppedAt) {
        const running = (
          await tx.incidentDeadline.findMany({ where: { incidentId: incident.id, stoppedAt: null } })
        )
          .map((d) => `${d.preset} ${d.milestone}`)
          .join(", ");
        throw new UserError(
          `${incident.publicId} has no running deadline "${presetId} ${milestoneId}".${running ? ` Running: ${running}.` : " `/inc deadlines start <preset>` starts some."}`,
        );
      }
      if (deadline.metAt)
        throw new UserError(`The ${deadline.presetName} ${deadline.name} is already marked done.`);
      const updated = await tx.incidentDeadline.update({
        where: { id: deadline.id },
        data: { metAt: now, metById: origin.actor.id },
      });
      await jobs.cancel(tx, deadlineKey(incident.id, deadline.preset, deadline.milestone));
      const late =
        now.getTime() > deadline.dueAt.getTime()
          ? ` (${formatDelay(now.getTime() - deadline.dueAt.getTime())} late)`
          : "";
      await recordActivity(
        tx,
        actorOf(origin),
        now,
        "incident.deadline-met",
        { preset: deadline.preset, milestone: deadline.milestone },
        {
          incidentId: incident.id,
          kind: "deadlines",
          text: `${deadline.presetName} ${deadline.name} done at ${formatTime(now, timeZone)}${late}`,
        },
      );
      return updated;
    });
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
        throw new UserError(`The ${preset.name} deadlines of ${incident.publicId} are not running.`);
      await jobs.cancel(tx, `deadline:${incident.id}:${preset.id}:`);
      await recordActivity(
        tx,
        actorOf(origin),
        now,
        "incident.deadlines-stopped",
        { preset: preset.id },
        { incidentId: incident.id, kind: "deadlines", text: `${preset.name} deadlines stopped` },
      );
      return count;
    });
  }

  async #warn(job: ClaimedJob, ctx: JobContext): Promise<void> {
    const { incidentId, preset, milestone, warning } = job.payload as {
      incidentId: string;
      preset: string;
      milestone: string;
      warning: WarningKind;
    };
    const { db, rooms, timeZone } = this.#options;
    const deadline = await db.incidentDeadline.findUnique({
      where: { incidentId_preset_milestone: { incidentId, preset, milestone } },
      include: { incident: true },
    });
    if (!deadline || deadline.metAt || deadline.stoppedAt) return;
    await rooms.announce(
      incidentId,
      deadlineWarning(deadline, deadline.incident, warning, ctx.now, timeZone),
      {
        refreshSummary: false,
      },
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

function deadlineWarning(
  deadline: IncidentDeadline,
  incident: Incident,
  warning: WarningKind,
  now: Date,
  timeZone: string,
): Message {
  const what = `${deadline.presetName} ${deadline.name}`;
  const due = formatTime(deadline.dueAt, timeZone);
  const left = deadline.dueAt.getTime() - now.getTime();
  const line =
    warning === "ahead"
      ? `⏳ ${incident.publicId}: the ${what} is due in ${formatDelay(left)} (${due}).`
      : left < -60_000
        ? `⏰ ${incident.publicId}: the ${what} was due at ${due}, ${formatDelay(-left)} ago, and is not marked done.`
        : `⏰ ${incident.publicId}: the ${what} is due now (${due}). If it has not been sent, it is late.`;
  const done = `/inc deadlines ${incident.publicId} done ${deadline.preset} ${deadline.milestone}`;
  return {
    blocks: [
      text(line),
      context(
        `Counted from awareness at ${formatTime(deadline.awareAt, timeZone)}. Once it is sent: ${done}`,
      ),
      actions({ label: "Mark done", command: done }),
    ],
  };
}

/** The table of `/inc deadlines`. */
export function deadlinesMessage(
  incident: Incident,
  deadlines: IncidentDeadline[],
  now: Date,
  timeZone: string,
): Message {
  if (deadlines.length === 0) {
    return {
      blocks: [
        text(`${incident.publicId} has no regulatory deadlines running.`),
        context("Start some: /inc deadlines start nis2 (or gdpr) [aware:<when you became aware>]"),
      ],
    };
  }
  const rows = deadlines.map((d) => [
    d.presetName,
    d.name,
    formatTime(d.dueAt, timeZone),
    deadlineState(d, now, timeZone),
    `${d.preset} ${d.milestone}`,
  ]);
  return {
    blocks: [
      text(`Regulatory deadlines of ${incident.publicId}:`),
      table(["Preset", "Deadline", "Due", "State", "Id"], rows),
      context(
        "Mark one done: /inc deadlines done <preset> <milestone>. Stop a preset: /inc deadlines stop <preset>.",
      ),
    ],
  };
}

function deadlineState(d: IncidentDeadline, now: Date, timeZone: string): string {
  if (d.metAt) {
    const late =
      d.metAt.getTime() > d.dueAt.getTime()
        ? `, ${formatDelay(d.metAt.getTime() - d.dueAt.getTime())} late`
        : "";
    return `done ${formatTime(d.metAt, timeZone)}${late}`;
  }
  if (d.stoppedAt) return "stopped";
  const left = d.dueAt.getTime() - now.getTime();
  if (left <= 0) return `OVERDUE by ${formatDelay(-left)}`;
  return `due in ${formatDelay(left)}${d.warnedAt ? " (warned)" : ""}`;
}
