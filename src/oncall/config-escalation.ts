// The on-call file's escalation sections: whom each level of a policy pages and when, the limits
// that keep an alert storm from flooding one person, and the incident reminders per severity.
// References between sections (a level's team, a policy's intervals) are checked by config.ts
// once the whole file has parsed.
import { z } from "zod";
import { lazySchema } from "../lazy-schema.ts";
import { durationSchema, personRefSchema, positiveCount } from "./config-fields.ts";
import { parseDuration } from "./durations.ts";
import { idSchema } from "./ids.ts";

export const targetSchema = lazySchema(() =>
  z
    .union(
      [
        z.strictObject({ person: personRefSchema() }),
        z.strictObject({ oncall: idSchema() }),
        z.strictObject({ team: idSchema() }),
      ],
      {
        error: "target must be one of { person: <person id> }, { oncall: <team id> } or { team: <team id> }",
      },
    )
    .transform((target): EscalationTarget => {
      if ("person" in target) return { kind: "person", personId: target.person };
      if ("oncall" in target) return { kind: "oncall", teamId: target.oncall };
      return { kind: "team", teamId: target.team };
    }),
);

/** Who a level pages: one person, whoever is on call for a team right now, or all its members. */
export type EscalationTarget =
  | { kind: "person"; personId: string }
  | { kind: "oncall"; teamId: string }
  | { kind: "team"; teamId: string };

/** Names of `timeIntervals` entries, checked once the whole file has parsed. */
export const intervalNamesSchema = lazySchema(() =>
  z.array(z.string()).min(1, "name at least one time interval").max(20),
);

export const levelSchema = lazySchema(() =>
  z
    .strictObject({
      target: targetSchema(),
      /** How long this level has to acknowledge before the next level is paged. */
      after: durationSchema(),
      /** As Alertmanager routes: the level pages only inside one of these intervals... */
      activeTimeIntervals: intervalNamesSchema().optional(),
      /** ...and never inside one of these; a level that does not page is skipped at once. */
      muteTimeIntervals: intervalNamesSchema().optional(),
    })
    .transform(
      ({
        target,
        after,
        activeTimeIntervals,
        muteTimeIntervals,
      }): {
        target: EscalationTarget;
        afterMs: number;
        activeTimeIntervals?: string[];
        muteTimeIntervals?: string[];
      } => ({
        target,
        afterMs: after,
        ...(activeTimeIntervals ? { activeTimeIntervals } : {}),
        ...(muteTimeIntervals ? { muteTimeIntervals } : {}),
      }),
    ),
);

export const escalationPolicySchema = lazySchema(() =>
  z.strictObject({
    id: idSchema(),
    name: z.string().min(1).optional(),
    levels: z.array(levelSchema()).min(1, "a policy needs at least one level"),
    /** How many more times all levels are walked after the first pass when nobody acknowledges. */
    repeat: z.int().min(0, "repeat is 0 or more").max(10, "repeat at most 10 times").default(0),
    /** Wait between the last level of a round and the next round (default: the last level's `after`). */
    repeatAfter: durationSchema().optional(),
    /** What happens once every level and repeat went unacknowledged. */
    fallback: z
      .strictObject({ teamChannel: idSchema() })
      .transform(({ teamChannel }) => ({ kind: "teamChannel" as const, teamId: teamChannel }))
      .optional(),
  }),
);

/** Limits that keep an alert storm from flooding one person (see src/paging/paging.ts). */
export const pageLimitsSchema = lazySchema(() =>
  z.strictObject({
    /** A page with the same target and message as an open page this recent is merged into it. */
    mergeWithin: durationSchema().default(2 * 60_000),
    /** At most this many different pages are sent to one person within `window`... */
    perPerson: positiveCount().default(5),
    /** ...after which further pages are held back and the person gets one summary line. */
    window: durationSchema().default(10 * 60_000),
  }),
);

/** A delay, or `off` for none. */
export const optionalDelaySchema = lazySchema(() =>
  z
    .union([z.string(), z.literal(false)], { error: 'expected a duration such as "30m", or off' })
    .transform((value, ctx): number | null => {
      if (value === false || value.trim().toLowerCase() === "off") return null;
      try {
        return parseDuration(value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
        return z.NEVER;
      }
    }),
);

export const severityRemindersSchema = lazySchema(() =>
  z.strictObject({
    /** Remind the incident room when nobody is commander this long after the declaration. */
    commander: optionalDelaySchema().optional(),
    /** Remind the incident room when no `/inc update` was posted for this long. */
    update: optionalDelaySchema().optional(),
  }),
);

/** Per severity; what is left out keeps its default (src/incidents/reminders.ts). */
export const remindersSchema = lazySchema(() =>
  z.strictObject({
    sev1: severityRemindersSchema().optional(),
    sev2: severityRemindersSchema().optional(),
    sev3: severityRemindersSchema().optional(),
    sev4: severityRemindersSchema().optional(),
  }),
);
