// Reminders in an incident's rooms, as durable jobs written with the declaration itself:
// - no commander: once, `commander` after the declaration, if nobody leads it by then;
// - no stakeholder update: every `update` of silence (counted from the last `/inc update`, or
//   the declaration), while the incident is open.
// The delays depend on the severity (the on-call configuration's `reminders:`, with defaults
// below). Each job re-checks the incident when it fires: a commander named, an update posted
// or the incident closed means no reminder. The update chain reads the severity at each firing,
// so a severity change adjusts (or stops) it; an incident declared at a severity without update
// reminders gets none even if it is raised later.
import type { Logger } from "pino";
import { z } from "zod";
import { actions, context, type Message, text } from "../chat/message.ts";
import type { Db, DbTransaction } from "../db/database.ts";
import type { Incident } from "../generated/prisma/client.ts";
import type { Job, JobContext, JobKind, JobQueue, JobRow } from "../jobs/queue.ts";
import type { RemindersConfig } from "../oncall/config.ts";
import { formatDelay } from "../oncall/durations.ts";
import type { IncidentRooms } from "./incident-rooms.ts";
import { isOpen, type Severity } from "./lifecycle.ts";
import { formatTime } from "./render.ts";

export const COMMANDER_REMINDER_JOB = "incident.commander-reminder";
export const UPDATE_REMINDER_JOB = "incident.update-reminder";

const commanderReminderPayload = z.object({ incidentId: z.string(), delayMs: z.number() });
const updateReminderPayload = z.object({ incidentId: z.string() });

const MINUTE = 60_000;

export interface SeverityReminders {
  /** Milliseconds after the declaration; null: no reminder. */
  commander: number | null;
  /** Milliseconds without an update; null: no reminder. */
  update: number | null;
}

export const DEFAULT_REMINDERS: Record<Severity, SeverityReminders> = {
  1: { commander: 5 * MINUTE, update: 30 * MINUTE },
  2: { commander: 15 * MINUTE, update: 60 * MINUTE },
  3: { commander: null, update: null },
  4: { commander: null, update: null },
};

/** The delays for a severity: the configuration's where it says, the defaults elsewhere. */
export function remindersFor(config: RemindersConfig | undefined, severity: number): SeverityReminders {
  const defaults = DEFAULT_REMINDERS[severity as Severity] ?? { commander: null, update: null };
  const configured = config?.[`sev${severity}` as keyof RemindersConfig];
  return {
    commander: configured?.commander === undefined ? defaults.commander : configured.commander,
    update: configured?.update === undefined ? defaults.update : configured.update,
  };
}

export interface IncidentRemindersOptions {
  db: Db;
  jobs: JobQueue;
  rooms: IncidentRooms;
  log: Logger;
  timeZone: string;
  /** The `reminders:` section in use (read at each firing, so a reload applies). */
  config: () => RemindersConfig | undefined;
}

export class IncidentReminders {
  readonly #options: IncidentRemindersOptions;
  readonly #commanderJob: JobKind<typeof commanderReminderPayload>;
  readonly #updateJob: JobKind<typeof updateReminderPayload>;

  constructor(options: IncidentRemindersOptions) {
    this.#options = options;
    this.#commanderJob = options.jobs.define({
      kind: COMMANDER_REMINDER_JOB,
      payload: commanderReminderPayload,
      handler: (job) => this.#remindCommander(job),
    });
    this.#updateJob = options.jobs.define({
      kind: UPDATE_REMINDER_JOB,
      payload: updateReminderPayload,
      handler: (job, ctx) => this.#remindUpdate(job, ctx),
    });
  }

  /** The declaration's reminder jobs, written by its own statement: they exist as soon as the incident does. */
  declaredJobs(incident: Pick<Incident, "id" | "severity">, now: Date): JobRow[] {
    const delays = remindersFor(this.#options.config(), incident.severity);
    const jobs: JobRow[] = [];
    if (delays.commander !== null) {
      jobs.push(
        ...this.#commanderJob.rows([
          {
            key: `incident:${incident.id}:commander-reminder`,
            payload: { incidentId: incident.id, delayMs: delays.commander },
            dueAt: new Date(now.getTime() + delays.commander),
          },
        ]),
      );
    }
    if (delays.update !== null) {
      const dueAt = new Date(now.getTime() + delays.update);
      jobs.push(...this.#updateJob.rows([updateCheck(incident.id, dueAt)]));
    }
    return jobs;
  }

  async #scheduleUpdateCheck(tx: DbTransaction, incidentId: string, dueAt: Date): Promise<void> {
    await this.#updateJob.enqueue(tx, updateCheck(incidentId, dueAt));
  }

  async #remindCommander(job: Job<z.output<typeof commanderReminderPayload>>): Promise<void> {
    const { incidentId, delayMs } = job.payload;
    const incident = await this.#options.db.incident.findUnique({
      where: { id: incidentId },
      include: { roles: { where: { role: "commander" } } },
    });
    if (!incident || !isOpen(incident.status) || incident.roles.length > 0) return;
    await this.#post(incident.id, commanderReminder(incident, delayMs));
  }

  async #remindUpdate(job: Job<z.output<typeof updateReminderPayload>>, ctx: JobContext): Promise<void> {
    const { incidentId } = job.payload;
    const { db } = this.#options;
    const incident = await db.incident.findUnique({ where: { id: incidentId } });
    if (!incident || !isOpen(incident.status)) return;
    const interval = remindersFor(this.#options.config(), incident.severity).update;
    if (interval === null) return;
    const last = await db.timelineEntry.findFirst({
      where: { incidentId, kind: "update" },
      orderBy: [{ at: "desc" }, { seq: "desc" }],
    });
    const silentSince = last?.at ?? incident.declaredAt;
    const quietFor = ctx.now.getTime() - silentSince.getTime();
    if (quietFor >= interval) {
      const since = last
        ? `the last one, at ${formatTime(last.at, this.#options.timeZone)}`
        : "the declaration";
      await this.#post(incident.id, {
        blocks: [
          text(
            `📣 ${incident.publicId}: no stakeholder update for ${formatDelay(quietFor)} (since ${since}). Post one: \`/inc update <what changed, what is next>\``,
          ),
          context(`Reminded every ${formatDelay(interval)} without an update while the incident is open.`),
        ],
      });
    }
    const next = new Date(
      quietFor >= interval ? ctx.now.getTime() + interval : silentSince.getTime() + interval,
    );
    await db.$transaction(async (tx) => {
      await this.#scheduleUpdateCheck(tx, incidentId, next);
      await ctx.complete(tx);
    });
  }

  async #post(incidentId: string, message: Message): Promise<void> {
    const posted = await this.#options.rooms.announce(incidentId, message, { refreshSummary: false });
    if (posted.length === 0) this.#options.log.warn({ incidentId }, "reminder reached no room");
  }
}

/** The reminder that an incident has no commander yet, with a button to take the role. */
export function commanderReminder(incident: Pick<Incident, "publicId">, delayMs: number): Message {
  return {
    blocks: [
      text(
        `⏰ ${incident.publicId} has no incident commander ${formatDelay(delayMs)} after it was declared. Who leads it? \`/inc lead @person\``,
      ),
      actions({
        label: "I'll lead",
        command: { group: "inc", name: "lead", incident: incident.publicId, args: ["me"] },
        style: "primary",
      }),
    ],
  };
}

/** The update reminder's check due at `dueAt` (one per due time: its key says when). */
function updateCheck(incidentId: string, dueAt: Date) {
  return {
    key: `incident:${incidentId}:update-reminder:${dueAt.toISOString()}`,
    payload: { incidentId },
    dueAt,
  };
}
