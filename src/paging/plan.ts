// The escalation plan of one page: which levels are paged in which order, how long each has to
// acknowledge, how many rounds, and what happens when nobody does. It is copied into the page
// when the page is made, so a configuration reload (or a restart) in the middle of an
// escalation walks the levels the page started with. Who "the on-call of a team" is, is
// decided when each level fires, from the schedule at that moment.
import { z } from "zod";
import type { EscalationPolicy } from "../oncall/config.ts";
import { intervalContains, timeIntervalSpecSchema } from "../oncall/time-intervals.ts";

/** A direct page (`/oncall page @bob`): the person is paged again this often... */
export const DIRECT_PAGE_INTERVAL_MS = 5 * 60_000;
/** ...this many more times, then whoever made the page is told nobody acknowledged. */
export const DIRECT_PAGE_REPEATS = 2;

const planTargetSchema = z.discriminatedUnion("kind", [
  /** One Person (by Person id, not configuration id: direct pages reach anyone tocsin knows). */
  z.object({ kind: z.literal("person"), personId: z.string() }),
  /** Whoever is on call for the team when the level fires. */
  z.object({ kind: z.literal("oncall"), teamId: z.string() }),
  /** Every member of the team. */
  z.object({ kind: z.literal("team"), teamId: z.string() }),
]);

/** A named time interval copied into the plan, so a reload mid-escalation keeps its meaning. */
const planIntervalSchema = z.object({ name: z.string(), entries: z.array(timeIntervalSpecSchema()) });
export type PlanInterval = z.infer<typeof planIntervalSchema>;

const planLevelSchema = z.object({
  target: planTargetSchema,
  afterMs: z.number().int().positive(),
  /** The level pages only inside one of these (when given)... */
  active: z.array(planIntervalSchema).optional(),
  /** ...and never inside one of these. */
  mute: z.array(planIntervalSchema).optional(),
});
export type PlanLevel = z.infer<typeof planLevelSchema>;

export const escalationPlanSchema = z.object({
  policyId: z.string().nullable(),
  levels: z.array(planLevelSchema).min(1),
  /** Rounds after the first pass. */
  repeat: z.number().int().min(0),
  /** Wait before the next round; the last level's `afterMs` when left out. */
  repeatAfterMs: z.number().int().positive().optional(),
  /** Team whose channels get the page when every level and round went unacknowledged. */
  fallbackTeamId: z.string().nullable(),
});

export type PlanTarget = z.infer<typeof planTargetSchema>;
export type EscalationPlan = z.infer<typeof escalationPlanSchema>;

/** The plan of a team page: the team's escalation policy, with people as Person ids. */
export function planFromPolicy(
  policy: EscalationPolicy,
  personIdOf: (configPersonId: string) => string | undefined,
  intervals: ReadonlyArray<{ name: string; time_intervals: PlanInterval["entries"] }> = [],
): EscalationPlan {
  const copy = (names: string[] | undefined): PlanInterval[] | undefined =>
    names?.map((name) => {
      const found = intervals.find((interval) => interval.name === name);
      if (!found) throw new Error(`time interval ${name} of the policy is not declared`);
      return { name, entries: found.time_intervals };
    });
  return {
    policyId: policy.id,
    levels: policy.levels.map(({ target, afterMs, activeTimeIntervals, muteTimeIntervals }) => {
      const active = copy(activeTimeIntervals);
      const mute = copy(muteTimeIntervals);
      const when = { ...(active ? { active } : {}), ...(mute ? { mute } : {}) };
      if (target.kind !== "person") return { target, afterMs, ...when };
      const personId = personIdOf(target.personId);
      if (personId === undefined) throw new Error(`person ${target.personId} of the policy is not linked`);
      return { target: { kind: "person" as const, personId }, afterMs, ...when };
    }),
    repeat: policy.repeat,
    ...(policy.repeatAfter !== undefined ? { repeatAfterMs: policy.repeatAfter } : {}),
    fallbackTeamId: policy.fallback?.teamId ?? null,
  };
}

/**
 * Why a level does not page at this instant (outside its active intervals, inside a mute
 * interval), or undefined when it pages. Alertmanager's rule: active when in ANY active interval
 * and in NO mute interval.
 */
export function timeSkipReason(level: PlanLevel, at: Date): string | undefined {
  if (level.active && !level.active.some((interval) => intervalContains(interval.entries, at))) {
    return `outside ${level.active.map((interval) => interval.name).join(", ")}`;
  }
  const muting = level.mute?.find((interval) => intervalContains(interval.entries, at));
  return muting ? `muted during ${muting.name}` : undefined;
}

/** How long after level `level` of round `round` was paged its successor `next` is due. */
export function waitBefore(plan: EscalationPlan, level: number, next: NextStep): number {
  const after = plan.levels[level]?.afterMs ?? 0;
  return next.kind === "step" && next.level === 0 ? (plan.repeatAfterMs ?? after) : after;
}

/** The plan of a direct page to one person. */
export function directPlan(personId: string): EscalationPlan {
  return {
    policyId: null,
    levels: [{ target: { kind: "person", personId }, afterMs: DIRECT_PAGE_INTERVAL_MS }],
    repeat: DIRECT_PAGE_REPEATS,
    fallbackTeamId: null,
  };
}

export type NextStep = { kind: "step"; round: number; level: number } | { kind: "exhausted" };

/** What follows level `level` of round `round` when nobody acknowledges. */
export function nextStep(plan: EscalationPlan, round: number, level: number): NextStep {
  if (level + 1 < plan.levels.length) return { kind: "step", round, level: level + 1 };
  if (round < plan.repeat) return { kind: "step", round: round + 1, level: 0 };
  return { kind: "exhausted" };
}

/** Job key of one escalation step; every key of a page starts with `page:<number>:`. */
export function stepKey(pageNumber: number, round: number, level: number): string {
  return `page:${pageNumber}:${round}:${level}`;
}

/** Job key of the sending of one step's deliveries (cancelled with the page's steps). */
export function deliverKey(pageNumber: number, round: number, level: number): string {
  return `page:${pageNumber}:deliver:${round}:${level}`;
}

export function exhaustedKey(pageNumber: number): string {
  return `page:${pageNumber}:exhausted`;
}

/** Prefix of every pending escalation job of a page (cancelled by ack and resolve). */
export function escalationKeyPrefix(pageNumber: number): string {
  return `page:${pageNumber}:`;
}

/** `level 2 of 3, round 1 of 3` */
export function describePosition(plan: EscalationPlan, round: number, level: number): string {
  return `level ${level + 1} of ${plan.levels.length}, round ${round + 1} of ${plan.repeat + 1}`;
}
