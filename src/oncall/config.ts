// The on-call configuration: people, teams, rotations and escalation policies, written by the
// team as YAML (path in ONCALL_CONFIG; see examples/oncall.yaml). Every problem is reported with
// the file, the line:column and the YAML path (`teams[0].rotations[1].handoff`), all at once, so
// a reload from chat can tell the responder exactly what to fix.
//
// Overrides are not here: they come from chat and live in the database, so a reload never loses
// them.
import { closest, distance } from "fastest-levenshtein";
import { z } from "zod";
import { checkIntegrations, integrationsSchema } from "../alerts/integrations.ts";
import { perPlatformSchema, platformDescriptors, platformNames } from "../chat/platforms.ts";
import {
  ConfigFileError,
  type ConfigFileKind,
  type ConfigProblem,
  formatConfigPath as formatPath,
  loadConfigFile,
  parseConfigFile,
} from "../config-file.ts";
import { deadlinePresetSchema } from "../incidents/deadline-presets.ts";
import { lazySchema } from "../lazy-schema.ts";
import { escalationPolicySchema, pageLimitsSchema, remindersSchema } from "./config-escalation.ts";
import { personRefSchema, positiveCount, timeOfDaySchema, timeZoneSchema } from "./config-fields.ts";
import { idSchema } from "./ids.ts";
import { parseLocalDateTime, parseTimeOfDay } from "./local-time.ts";
import { namedTimeIntervalSchema } from "./time-intervals.ts";

// ---------------------------------------------------------------------------------------------
// Schema

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const personSchema = lazySchema(() =>
  z.strictObject({
    id: idSchema(),
    name: z.string().min(1),
    email: z.email().optional(),
    timeZone: timeZoneSchema(),
    /** The person's id on each platform (src/chat/platforms.ts), as its descriptor checks it. */
    identities: perPlatformSchema((platform) => platform.userId.schema).default({}),
  }),
);

const channelsSchema = lazySchema(() => perPlatformSchema((platform) => platform.roomId.schema));

const shiftLengthSchema = lazySchema(() =>
  z.union(
    [
      z.strictObject({ days: positiveCount() }),
      z.strictObject({ weeks: positiveCount() }),
      z.strictObject({ hours: positiveCount() }),
    ],
    {
      error:
        "every must be one of { days: N }, { weeks: N } or { hours: N } with N a whole number of at least 1",
    },
  ),
);

/**
 * A time window in the rotation's zone on the given days. A window whose `to` is not after its
 * `from` ends on the next day (`from: "18:00", to: "09:00"` is a night; `to` equal to `from` is
 * 24 hours). Windows are wall-clock times, so they follow DST like hand-offs do.
 */
const restrictWindowSchema = lazySchema(() =>
  z.strictObject({
    days: z
      .array(z.enum(WEEKDAYS, { error: `days are ${WEEKDAYS.join(", ")}` }))
      .min(1, "list at least one day, e.g. [mon, tue, wed, thu, fri]"),
    from: timeOfDaySchema(),
    to: timeOfDaySchema({ allowEndOfDay: true }),
  }),
);

const rotationSchema = lazySchema(() =>
  z
    .strictObject({
      id: idSchema(),
      /** Shown as the layer's name in chat; defaults to the id. */
      name: z.string().min(1).optional(),
      type: z.enum(["daily", "weekly", "custom"], { error: "type must be daily, weekly or custom" }),
      every: shiftLengthSchema().optional(),
      /** Who takes the shifts, in order, starting with the shift that begins at `start`. */
      participants: z.array(personRefSchema()).min(1, "a rotation needs at least one participant"),
      /** First hand-off: a local date (with `handoff`) or local date-time, in `timeZone`. */
      start: z.string({
        error: 'expected a local date such as "2026-01-05" or date-time "2026-01-05T09:00"',
      }),
      /** Local time of day of every hand-off, e.g. "09:00". */
      handoff: timeOfDaySchema().optional(),
      timeZone: timeZoneSchema(),
      /** When set, the rotation only covers these windows; outside them the next layer decides. */
      restrict: z.array(restrictWindowSchema()).min(1).optional(),
    })
    .superRefine((rotation, ctx) => {
      if (rotation.type === "custom" && !rotation.every) {
        ctx.addIssue({
          code: "custom",
          path: ["every"],
          message: "a custom rotation needs every: { days: N }, { weeks: N } or { hours: N }",
        });
      }
      if (rotation.type !== "custom" && rotation.every) {
        ctx.addIssue({
          code: "custom",
          path: ["every"],
          message: `every is only for type: custom (a ${rotation.type} rotation is every 1 ${rotation.type === "daily" ? "day" : "week"})`,
        });
      }
      const start = parseLocalDateTime(rotation.start);
      if (!start) {
        ctx.addIssue({
          code: "custom",
          path: ["start"],
          message: `"${rotation.start}" is not a local date or date-time; write YYYY-MM-DD or YYYY-MM-DDTHH:MM in the rotation's timeZone, without offset, e.g. "2026-01-05" or "2026-01-05T09:00"`,
        });
        return;
      }
      if (rotation.handoff === undefined && start.minutes === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["handoff"],
          message: 'missing: give the local hand-off time, e.g. handoff: "09:00" (or a time in start)',
        });
      }
      const handoff = rotation.handoff === undefined ? undefined : parseTimeOfDay(rotation.handoff);
      if (handoff !== undefined && start.minutes !== undefined && handoff !== start.minutes) {
        ctx.addIssue({
          code: "custom",
          path: ["handoff"],
          message: `handoff "${rotation.handoff}" disagrees with the time in start "${rotation.start}"; give the time once`,
        });
      }
    }),
);

const paging = lazySchema(() =>
  z.strictObject({
    /** Incident severities (1 = critical .. 4 = low) whose declaration pages the team's on-call. */
    severities: z
      .array(z.int().min(1, "severities are 1 to 4").max(4, "severities are 1 to 4"))
      .default([1, 2]),
  }),
);

const teamSchema = lazySchema(() =>
  z.strictObject({
    id: idSchema(),
    name: z.string().min(1),
    channels: channelsSchema().default({}),
    leads: z.array(personRefSchema()).default([]),
    members: z.array(personRefSchema()).min(1, "a team needs at least one member"),
    /**
     * The layers of the schedule, top-most first: at any instant the first rotation whose
     * restriction covers that instant decides who is on call (see schedule.ts).
     */
    rotations: z.array(rotationSchema()).default([]),
    escalationPolicy: idSchema(),
    paging: paging().default({ severities: [1, 2] }),
  }),
);

/** The file's shape; oncallConfigSchema adds the checks that need the whole file. */
const oncallConfigShape = lazySchema(() =>
  z.strictObject({
    version: z.literal(1, { error: "version must be 1" }).default(1),
    people: z.array(personSchema()).min(1, "declare at least one person"),
    teams: z.array(teamSchema()).min(1, "declare at least one team"),
    /** The team that owns an incident declared without `team:`; defaults to the first team. */
    defaultTeam: idSchema().optional(),
    escalationPolicies: z.array(escalationPolicySchema()).default([]),
    /** Named intervals in Alertmanager's syntax, for levels' active/mute time intervals. */
    timeIntervals: z.array(namedTimeIntervalSchema()).default([]),
    pageLimits: pageLimitsSchema().default({ mergeWithin: 2 * 60_000, perPerson: 5, window: 10 * 60_000 }),
    reminders: remindersSchema().default({}),
    /** Regulatory deadline presets, added to (or replacing, by id) the shipped nis2 and gdpr. */
    deadlines: z.array(deadlinePresetSchema()).default([]),
    /** Alert senders (Alertmanager, PagerDuty-compatible, Grafana, generic, heartbeats): src/alerts/integrations.ts. */
    integrations: integrationsSchema(),
  }),
);

export const oncallConfigSchema = lazySchema(() => oncallConfigShape().superRefine(checkReferences));

export type OncallConfig = z.infer<ReturnType<typeof oncallConfigShape>>;
export type OncallPerson = OncallConfig["people"][number];
export type Team = OncallConfig["teams"][number];
export type Rotation = Team["rotations"][number];
export type RestrictWindow = NonNullable<Rotation["restrict"]>[number];
export type EscalationPolicy = OncallConfig["escalationPolicies"][number];
export type EscalationLevel = EscalationPolicy["levels"][number];
export type PageLimits = OncallConfig["pageLimits"];
export type RemindersConfig = OncallConfig["reminders"];
export type { Integration } from "../alerts/integrations.ts";

// ---------------------------------------------------------------------------------------------
// Cross-references: everything that needs the whole file to check.

type Path = (string | number)[];

function checkReferences(config: OncallConfig, ctx: z.RefinementCtx): void {
  const problem = (path: Path, message: string) => ctx.addIssue({ code: "custom", path, message });

  const personIds = reportDuplicates(config.people, ["people"], "person", problem);
  const teamIds = reportDuplicates(config.teams, ["teams"], "team", problem);
  const policyIds = reportDuplicates(
    config.escalationPolicies,
    ["escalationPolicies"],
    "escalation policy",
    problem,
  );

  for (const { name: platform } of platformDescriptors()) {
    const owner = new Map<string, string>();
    config.people.forEach((person, index) => {
      const identity = person.identities[platform];
      if (identity === undefined) return;
      const other = owner.get(identity);
      if (other !== undefined) {
        problem(
          ["people", index, "identities", platform],
          `${platform} identity "${identity}" is also ${other}'s`,
        );
      } else owner.set(identity, person.id);
    });
  }

  const person = (id: string, path: Path) => {
    if (!personIds.has(id)) problem(path, unknownMessage("person", id, personIds, "people"));
  };
  const team = (id: string, path: Path) => {
    if (!teamIds.has(id)) problem(path, unknownMessage("team", id, teamIds, "teams"));
  };

  config.teams.forEach((t, teamIndex) => {
    const at = (...rest: Path): Path => ["teams", teamIndex, ...rest];
    for (const [i, id] of t.leads.entries()) person(id, at("leads", i));
    for (const [i, id] of t.members.entries()) person(id, at("members", i));
    reportRepeats(t.members, at("members"), "member", problem);
    reportDuplicates(t.rotations, at("rotations"), "rotation", problem);
    for (const [r, rotation] of t.rotations.entries()) {
      for (const [i, id] of rotation.participants.entries())
        person(id, at("rotations", r, "participants", i));
    }
    if (!policyIds.has(t.escalationPolicy)) {
      problem(
        at("escalationPolicy"),
        unknownMessage("escalation policy", t.escalationPolicy, policyIds, "escalationPolicies"),
      );
    }
  });

  if (config.defaultTeam !== undefined) team(config.defaultTeam, ["defaultTeam"]);
  checkIntegrations(config.integrations, teamIds, problem, (id) =>
    unknownMessage("team", id, teamIds, "teams"),
  );
  reportDuplicates(config.deadlines, ["deadlines"], "deadline preset", problem);
  for (const [index, preset] of config.deadlines.entries()) {
    reportDuplicates(preset.milestones, ["deadlines", index, "milestones"], "milestone", problem);
  }

  const intervalNames = reportDuplicates(
    config.timeIntervals.map((interval) => ({ id: interval.name })),
    ["timeIntervals"],
    "time interval",
    problem,
    "name",
  );
  const teamsById = new Map(config.teams.map((t) => [t.id, t]));
  config.escalationPolicies.forEach((policy, policyIndex) => {
    const at = (...rest: Path): Path => ["escalationPolicies", policyIndex, ...rest];
    policy.levels.forEach((levelConfig, level) => {
      for (const field of ["activeTimeIntervals", "muteTimeIntervals"] as const) {
        for (const [i, name] of (levelConfig[field] ?? []).entries()) {
          if (!intervalNames.has(name))
            problem(
              at("levels", level, field, i),
              unknownMessage("time interval", name, intervalNames, "timeIntervals"),
            );
        }
      }
      const { target } = levelConfig;
      const path = at("levels", level, "target", target.kind);
      if (target.kind === "person") {
        person(target.personId, path);
        return;
      }
      team(target.teamId, path);
      // Resolves, but could never reach anyone.
      if (target.kind === "oncall" && teamsById.get(target.teamId)?.rotations.length === 0) {
        problem(
          path,
          `team "${target.teamId}" has no rotations, so nobody is ever on call for it; page { team: ${target.teamId} } instead`,
        );
      }
    });
    if (!policy.fallback) return;
    team(policy.fallback.teamId, at("fallback", "teamChannel"));
    const fallbackTeam = teamsById.get(policy.fallback.teamId);
    if (fallbackTeam && Object.values(fallbackTeam.channels).every((channel) => channel === undefined)) {
      problem(
        at("fallback", "teamChannel"),
        `team "${fallbackTeam.id}" has no channels to post to; give it channels: { ${platformNames().join(", ")} }`,
      );
    }
  });
}

function reportDuplicates(
  items: readonly { id: string }[],
  path: Path,
  what: string,
  problem: (path: Path, message: string) => void,
  key = "id",
): Set<string> {
  const firstIndex = new Map<string, number>();
  items.forEach((item, index) => {
    const first = firstIndex.get(item.id);
    if (first !== undefined) {
      problem(
        [...path, index, key],
        `duplicate ${what} ${key} "${item.id}" (first declared at ${formatPath([...path, first])})`,
      );
    } else firstIndex.set(item.id, index);
  });
  return new Set(firstIndex.keys());
}

function reportRepeats(
  ids: readonly string[],
  path: Path,
  what: string,
  problem: (path: Path, message: string) => void,
): void {
  const seen = new Set<string>();
  ids.forEach((id, index) => {
    if (seen.has(id)) problem([...path, index], `"${id}" is listed twice as ${what}`);
    seen.add(id);
  });
}

function unknownMessage(what: string, id: string, known: Set<string>, section: string): string {
  const candidates = [...known];
  const suggestion = candidates.length > 0 ? closest(id, candidates) : undefined;
  const hint =
    suggestion !== undefined && distance(id, suggestion) <= Math.max(2, Math.floor(id.length / 3))
      ? `; did you mean "${suggestion}"?`
      : `; declare it under ${section}`;
  return `unknown ${what} "${id}"${hint}`;
}

// ---------------------------------------------------------------------------------------------
// Loading: errors point into the file (src/config-file.ts)

/** The error of a bad on-call file: a UserError listing every problem with file:line:column. */
export const OncallConfigError = ConfigFileError;
export type OncallConfigError = ConfigFileError;
export type { ConfigProblem };

const ONCALL_FILE: ConfigFileKind<ReturnType<typeof oncallConfigSchema>> = {
  what: "on-call configuration",
  example: "examples/oncall.yaml",
  schema: oncallConfigSchema,
};

/** Parses and validates the YAML text; throws OncallConfigError listing every problem found. */
export function parseOncallConfig(text: string, fileName: string): OncallConfig {
  // Frozen: schedule.ts caches per rotation object, and a reload swaps in a new object anyway.
  return parseConfigFile(ONCALL_FILE, text, fileName);
}

/** Reads and validates the file at `path` (the value of ONCALL_CONFIG). */
export function loadOncallConfig(path: string): Promise<OncallConfig> {
  return loadConfigFile(ONCALL_FILE, path);
}
