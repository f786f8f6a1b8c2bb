// Regulatory deadline presets: what `/inc deadlines start <preset>` starts, as shipped and as the
// on-call configuration's `deadlines:` writes them, and the time math of their milestones.
//
// A milestone is due a duration or a number of calendar months after the organisation became
// aware of the incident, or after another milestone of the preset was marked done (`from:`), or
// only when an authority asks for it (`onRequest: true`, with a due date given then).
//
// Shipped presets (the configuration adds presets or replaces these by id):
// - nis2: Directive (EU) 2022/2555 Art. 23(4), significant incidents: (a) an early warning within
//   24 hours of becoming aware; (b) an incident notification within 72 hours of becoming aware;
//   (c) an intermediate report upon the request of the CSIRT or competent authority; (d) a final
//   report not later than one month after the submission of the incident notification. (Art.
//   23(4)(e), a progress report when the incident is still going on at (d), is left to a
//   configured preset.)
// - gdpr: Regulation (EU) 2016/679 Art. 33(1), personal data breaches: notification to the
//   supervisory authority within 72 hours after becoming aware.
// Calendar months are counted in the desk's time zone (1 month after 31 January is 28/29
// February, as luxon does).
import { DateTime } from "luxon";
import { z } from "zod";
import { lazySchema } from "../lazy-schema.ts";
import { parseDuration } from "../oncall/durations.ts";
import { idSchema } from "../oncall/ids.ts";

const HOUR = 3_600_000;

/** How long after its start a deadline falls: a duration (`24h`, `72h`) or calendar months (`1 month`). */
export type DeadlineOffset = { kind: "duration"; ms: number } | { kind: "months"; months: number };

const MONTHS = /^(\d+)\s*(?:mo|month|months)$/i;

export const deadlineOffsetSchema = lazySchema(() =>
  z
    .string({ error: 'expected a duration such as "72h", or calendar months such as "1 month"' })
    .transform((value, ctx): DeadlineOffset => {
      const months = MONTHS.exec(value.trim());
      if (months) {
        const count = Number(months[1]);
        if (count >= 1 && count <= 24) return { kind: "months", months: count };
        ctx.addIssue({ code: "custom", message: "months are 1 to 24" });
        return z.NEVER;
      }
      try {
        return { kind: "duration", ms: parseDuration(value) };
      } catch (error) {
        ctx.addIssue({
          code: "custom",
          message: `${error instanceof Error ? error.message : String(error)} Calendar months: "1 month".`,
        });
        return z.NEVER;
      }
    }),
);

/** How early the advance warning comes: a share of the time to the deadline, a duration, or off. */
export type DeadlineWarning =
  | { kind: "fraction"; fraction: number }
  | { kind: "duration"; ms: number }
  | null;

const deadlineWarningSchema = lazySchema(() =>
  z
    .string({ error: 'expected a share such as "25%", a duration such as "6h", or off' })
    .transform((value, ctx): DeadlineWarning => {
      const trimmed = value.trim().toLowerCase();
      if (trimmed === "off") return null;
      const percent = /^(\d{1,2})%$/.exec(trimmed);
      if (percent) {
        const share = Number(percent[1]);
        if (share >= 1) return { kind: "fraction", fraction: share / 100 };
      }
      if (!trimmed.endsWith("%")) {
        try {
          return { kind: "duration", ms: parseDuration(trimmed) };
        } catch {
          // reported below
        }
      }
      ctx.addIssue({
        code: "custom",
        message: `"${value}" is not a warning time; write a share from 1% to 99% ("25%"), a duration ("6h") or off`,
      });
      return z.NEVER;
    }),
);

const milestoneSchema = lazySchema(() =>
  z
    .strictObject({
      id: idSchema(),
      name: z.string().min(1),
      /** Counted from awareness, or from the completion of the milestone `from` names. */
      after: deadlineOffsetSchema().optional(),
      /** A milestone listed earlier in the preset: `after` counts from when it is marked done. */
      from: idSchema().optional(),
      /** Due only when requested (`/inc deadlines request <milestone> due:<when>`). */
      onRequest: z.literal(true, { error: "onRequest is true or left out" }).optional(),
    })
    .superRefine((milestone, ctx) => {
      if (milestone.onRequest && (milestone.after !== undefined || milestone.from !== undefined)) {
        ctx.addIssue({ code: "custom", message: "a milestone due on request has no after: or from:" });
      } else if (!milestone.onRequest && milestone.after === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["after"],
          message:
            'say when it is due: after: "72h" (from awareness, or from: another milestone) or onRequest: true',
        });
      }
    }),
);

export const deadlinePresetSchema = lazySchema(() =>
  z
    .strictObject({
      id: idSchema(),
      name: z.string().min(1),
      /** Shown when the deadlines are started, e.g. the legal basis. */
      description: z.string().optional(),
      /** Default 25%: a 24 h deadline is warned 6 h ahead. */
      warnBefore: deadlineWarningSchema().default({ kind: "fraction", fraction: 0.25 }),
      milestones: z.array(milestoneSchema()).min(1, "a deadline preset needs at least one milestone"),
    })
    .superRefine((preset, ctx) => {
      preset.milestones.forEach((milestone, index) => {
        if (milestone.from === undefined) return;
        const earlier = preset.milestones.slice(0, index).map((m) => m.id);
        if (!earlier.includes(milestone.from)) {
          ctx.addIssue({
            code: "custom",
            path: ["milestones", index, "from"],
            message: `"${milestone.from}" is not a milestone listed before this one${earlier.length ? ` (${earlier.join(", ")})` : ""}`,
          });
        }
      });
    }),
);

export type DeadlinePreset = z.infer<ReturnType<typeof deadlinePresetSchema>>;
export type DeadlineMilestone = DeadlinePreset["milestones"][number];

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
      { id: "intermediate-report", name: "intermediate report", onRequest: true },
      {
        id: "final-report",
        name: "final report",
        after: { kind: "months", months: 1 },
        from: "notification",
      },
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

export function dueAfter(start: Date, offset: DeadlineOffset, timeZone: string): Date {
  if (offset.kind === "duration") return new Date(start.getTime() + offset.ms);
  return DateTime.fromJSDate(start, { zone: timeZone }).plus({ months: offset.months }).toJSDate();
}

/** When the advance warning is due, or null for none (or when it would not be before the deadline). */
export function warningAt(start: Date, dueAt: Date, warning: DeadlineWarning): Date | null {
  if (warning === null) return null;
  const span = dueAt.getTime() - start.getTime();
  const lead = warning.kind === "fraction" ? Math.round(span * warning.fraction) : warning.ms;
  if (lead <= 0 || lead >= span) return null;
  return new Date(dueAt.getTime() - lead);
}

/** `one month`, `2 months`, `72h` */
export function describeOffset(offset: DeadlineOffset): string {
  if (offset.kind === "duration") return formatHours(offset.ms);
  return offset.months === 1 ? "one month" : `${offset.months} months`;
}

function formatHours(ms: number): string {
  const hours = ms / HOUR;
  return Number.isInteger(hours) ? `${hours}h` : `${Math.round(ms / 60_000)}m`;
}
