// Bulletin subscriptions: which room gets which bulletin, when, from which sources, written by the
// team as YAML (path in BULLETIN_CONFIG; see examples/bulletins.yaml). Every problem is reported
// at once with the file, line:column and YAML path (`subscriptions[1].schedule`), so the person
// editing the file can fix them in one go.
import path from "node:path";
import { IANAZone } from "luxon";
import { z } from "zod";
import type { PlatformName } from "../chat/invocation.ts";
import { perPlatformSchema, platformDescriptors } from "../chat/platforms.ts";
import { type Destination, tlpGate } from "../chat/tlp-gate.ts";
import { type ConfigFileKind, loadConfigFile, parseConfigFile } from "../config-file.ts";
import { parseTlp, TLP_LABELS, type TlpLabel } from "../incidents/tlp.ts";
import { CronExpressionError, CronSchedule } from "../jobs/cron-time.ts";
import { lazySchema } from "../lazy-schema.ts";
import { parseDuration } from "../oncall/durations.ts";
import { SEVERITIES } from "./advisory.ts";
import { DIGEST_LANGUAGES, type DigestLanguage } from "./digest.ts";
import type { AdvisoryFilter } from "./filters.ts";
import { parsePeriodSpec, SCHEDULED_PERIOD_HINT } from "./statistics.ts";

// ---------------------------------------------------------------------------------------------
// Schema

const idSchema = lazySchema(() =>
  z
    .string({ error: 'expected an id such as "soc-daily"' })
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'ids are lowercase letters, digits, ".", "_" and "-", e.g. "soc-daily"'),
);

const tlpSchema = lazySchema(() =>
  z.string({ error: `expected a TLP label: ${TLP_LABELS.join(", ")}` }).transform((value, ctx): TlpLabel => {
    const label = parseTlp(value);
    if (!label) {
      ctx.addIssue({
        code: "custom",
        message: `"${value}" is not a TLP 2.0 label: ${TLP_LABELS.join(", ")}`,
      });
      return z.NEVER;
    }
    return label;
  }),
);

/** Where a bulletin goes: exactly one platform and its room or channel id. */
const destinationSchema = perPlatformSchema((platform) => platform.roomId.schema).transform(
  (value, ctx): BulletinDestination => {
    const given = (Object.entries(value) as Array<[PlatformName, string | undefined]>).filter(
      ([, roomId]) => roomId !== undefined,
    );
    const [first] = given;
    if (given.length !== 1 || !first) {
      ctx.addIssue({
        code: "custom",
        message: `give exactly one of ${destinationHints()}`,
      });
      return z.NEVER;
    }
    return { platform: first[0], roomId: first[1] as string };
  },
);

/** `console: "#room", slack: <channel id>, matrix: "!room:server"`, console first as the simplest. */
function destinationHints(): string {
  const platforms = [...platformDescriptors()].sort(
    (a, b) => Number(b.name === "console") - Number(a.name === "console"),
  );
  return platforms.map((p) => `${p.name}: ${p.roomId.example}`).join(", ");
}

const MAX_LOOKBACK_MS = 3660 * 86_400_000;

const durationSchema = lazySchema(() =>
  z.string({ error: 'expected a duration such as "7d"' }).transform((value, ctx): number => {
    let ms: number;
    try {
      ms = parseDuration(value);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message });
      return z.NEVER;
    }
    if (ms > MAX_LOOKBACK_MS) {
      ctx.addIssue({ code: "custom", message: `"${value}" is longer than 3660d (ten years)` });
      return z.NEVER;
    }
    return ms;
  }),
);

const filtersSchema = lazySchema(() =>
  z.strictObject({
    /** Vendor or product words; any of them starting a word in title, vendor or product passes. */
    keywords: z.array(z.string().trim().min(1)).default([]),
    minCvss: z
      .number({ error: "expected a CVSS base score from 0 to 10" })
      .min(0, "a CVSS base score is 0 to 10")
      .max(10, "a CVSS base score is 0 to 10")
      .optional(),
    /** Advisories without a CVSS score (KEV entries) pass minCvss unless this is `exclude`. */
    unscored: z.enum(["include", "exclude"], { error: "unscored is include or exclude" }).default("include"),
    kevOnly: z.boolean().default(false),
    minSeverity: z.enum(SEVERITIES, { error: `severities are ${SEVERITIES.join(", ")}` }).optional(),
  }),
);

const commonFields = {
  id: idSchema(),
  destination: destinationSchema,
  /** The highest TLP label the room may receive. */
  clearance: tlpSchema(),
  /** Shared with people outside the organisation (Slack Connect, federated Matrix rooms). */
  external: z.boolean().default(false),
  // Checked field by field so every problem shows at once (the zone does not change what parses).
  schedule: z
    .string({ error: 'expected a quoted cron expression such as "0 8 * * 1-5"' })
    .superRefine((expression, ctx) => {
      try {
        CronSchedule.parse(expression, "UTC");
      } catch (error) {
        if (!(error instanceof CronExpressionError)) throw error;
        ctx.addIssue({ code: "custom", message: error.message });
      }
    }),
  timeZone: z
    .string({ error: "expected an IANA time zone such as Europe/Berlin" })
    .default("UTC")
    .refine((zone) => IANAZone.isValidZone(zone), {
      error: (issue) => `"${String(issue.input)}" is not an IANA time zone; write e.g. Europe/Berlin or UTC`,
    }),
  language: z.enum(DIGEST_LANGUAGES, { error: `languages are ${DIGEST_LANGUAGES.join(", ")}` }).default("en"),
  /** Replaces the default title, e.g. with the team's name. */
  title: z.string().trim().min(1).max(120).optional(),
};

const digestSubscriptionSchema = lazySchema(() =>
  z.strictObject({
    ...commonFields,
    kind: z.literal("digest"),
    /** Directories and files of CSAF/KEV documents, CSAF provider or KEV URLs (loadAdvisories). */
    sources: z.array(z.string().trim().min(1)).min(1, "name at least one source: a directory, file or URL"),
    filters: filtersSchema().default({ keywords: [], unscored: "include", kevOnly: false }),
    /** Advisories published this long before a run and not posted to the room yet are included. */
    lookback: durationSchema().default(7 * 86_400_000),
    /** With nothing new, post a short "no new advisories" bulletin instead of nothing. */
    announceEmpty: z.boolean().default(false),
    /** The label given to advisories their publisher did not label (see the example file). */
    unlabelled: tlpSchema().default("amber"),
  }),
);

const statsSubscriptionSchema = lazySchema(() =>
  z.strictObject({
    ...commonFields,
    kind: z.literal("stats"),
    /** The period reported at each run: "7d", "30d", "4w" (ending at the run) or "month". */
    period: z
      .string()
      .default("30d")
      .superRefine((value, ctx) => {
        if (!parsePeriodSpec(value, { scheduled: true })) {
          ctx.addIssue({ code: "custom", message: `"${value}" is not a period: ${SCHEDULED_PERIOD_HINT}` });
        }
      }),
    /** Label of the report: counts only, no incident details; GREEN lets partners' rooms have it. */
    tlp: tlpSchema().default("green"),
  }),
);

const subscriptionSchema = lazySchema(() =>
  z.discriminatedUnion("kind", [digestSubscriptionSchema(), statsSubscriptionSchema()], {
    error: 'kind must be "digest" (advisories) or "stats" (incident statistics)',
  }),
);

/** The file's shape; bulletinConfigSchema adds the checks that need the whole file. */
const bulletinConfigShape = lazySchema(() =>
  z.strictObject({
    version: z.literal(1, { error: "version must be 1" }).default(1),
    /** Clearance of rooms no subscription names, for bulletins posted there on demand. */
    defaultClearance: tlpSchema().default("green"),
    subscriptions: z.array(subscriptionSchema()).default([]),
  }),
);

export const bulletinConfigSchema = lazySchema(() => bulletinConfigShape().superRefine(checkSubscriptions));

type RawConfig = z.infer<ReturnType<typeof bulletinConfigShape>>;
type RawSubscription = RawConfig["subscriptions"][number];

export interface BulletinDestination {
  platform: PlatformName;
  roomId: string;
}

interface SubscriptionBase {
  id: string;
  destination: BulletinDestination;
  clearance: TlpLabel;
  external: boolean;
  schedule: CronSchedule;
  language: DigestLanguage;
  title?: string;
}

export interface DigestSubscription extends SubscriptionBase {
  kind: "digest";
  /** Local paths are absolute (resolved against the configuration file's folder). */
  sources: string[];
  filters: Pick<AdvisoryFilter, "keywords" | "minCvss" | "unscored" | "kevOnly" | "minSeverity">;
  lookbackMs: number;
  announceEmpty: boolean;
  unlabelled: TlpLabel;
}

export interface StatsSubscription extends SubscriptionBase {
  kind: "stats";
  period: string;
  tlp: TlpLabel;
}

export type Subscription = DigestSubscription | StatsSubscription;

export interface BulletinConfig {
  /** The file it was read from; undefined when no BULLETIN_CONFIG is set. */
  fileName?: string;
  defaultClearance: TlpLabel;
  subscriptions: readonly Subscription[];
}

export const EMPTY_BULLETIN_CONFIG: BulletinConfig = Object.freeze({
  defaultClearance: "green",
  subscriptions: Object.freeze([]),
});

type Path = (string | number)[];

function checkSubscriptions(config: RawConfig, ctx: z.RefinementCtx): void {
  const problem = (path: Path, message: string) => ctx.addIssue({ code: "custom", path, message });
  const firstById = new Map<string, number>();
  const roomOwner = new Map<string, { index: number; clearance: TlpLabel; external: boolean }>();
  config.subscriptions.forEach((subscription, index) => {
    const at = (...rest: Path): Path => ["subscriptions", index, ...rest];
    const first = firstById.get(subscription.id);
    if (first !== undefined) {
      problem(at("id"), `duplicate subscription id "${subscription.id}" (first at subscriptions[${first}])`);
    } else firstById.set(subscription.id, index);

    if (subscription.kind === "stats") {
      const room: Destination = {
        description: `${subscription.destination.roomId} on ${subscription.destination.platform}`,
        clearance: subscription.clearance,
        external: subscription.external,
      };
      const decision = tlpGate(room, { blocks: [], tlp: subscription.tlp });
      if (!decision.allowed) problem(at("tlp"), `the report would never be posted: ${decision.reason}`);
    }

    // The TLP gate knows one clearance per room: two subscriptions must not disagree about it.
    const { platform, roomId } = subscription.destination;
    const room = `${platform}:${roomId}`;
    const owner = roomOwner.get(room);
    if (!owner) {
      roomOwner.set(room, { index, clearance: subscription.clearance, external: subscription.external });
    } else if (owner.clearance !== subscription.clearance || owner.external !== subscription.external) {
      problem(
        at("clearance"),
        `${roomId} on ${platform} is also the destination of subscriptions[${owner.index}] with clearance ${owner.clearance}${owner.external ? " (external)" : ""}; a room has one clearance`,
      );
    }
  });
}

function toSubscription(raw: RawSubscription, baseDir: string): Subscription {
  const common: SubscriptionBase = {
    id: raw.id,
    destination: raw.destination,
    clearance: raw.clearance,
    external: raw.external,
    schedule: CronSchedule.parse(raw.schedule, raw.timeZone),
    language: raw.language,
    ...(raw.title === undefined ? {} : { title: raw.title }),
  };
  if (raw.kind === "stats") return { ...common, kind: "stats", period: raw.period, tlp: raw.tlp };
  return {
    ...common,
    kind: "digest",
    sources: raw.sources.map((source) =>
      /^https?:\/\//i.test(source) ? source : path.resolve(baseDir, source),
    ),
    filters: raw.filters,
    lookbackMs: raw.lookback,
    announceEmpty: raw.announceEmpty,
    unlabelled: raw.unlabelled,
  };
}

// ---------------------------------------------------------------------------------------------
// Loading: errors point into the file (src/config-file.ts)

const BULLETIN_FILE: ConfigFileKind<ReturnType<typeof bulletinConfigSchema>> = {
  what: "bulletin configuration",
  example: "examples/bulletins.yaml",
  schema: bulletinConfigSchema,
};

/**
 * Parses and validates the YAML text; throws ConfigFileError listing every problem found.
 * Relative source paths are resolved against `baseDir` (the file's folder).
 */
export function parseBulletinConfig(
  text: string,
  fileName: string,
  baseDir = path.dirname(fileName),
): BulletinConfig {
  return toConfig(parseConfigFile(BULLETIN_FILE, text, fileName), fileName, baseDir);
}

/** Reads and validates the file at `file` (the value of BULLETIN_CONFIG). */
export async function loadBulletinConfig(file: string): Promise<BulletinConfig> {
  return toConfig(await loadConfigFile(BULLETIN_FILE, file), file, path.dirname(path.resolve(file)));
}

function toConfig(raw: RawConfig, fileName: string, baseDir: string): BulletinConfig {
  return Object.freeze({
    fileName,
    defaultClearance: raw.defaultClearance,
    subscriptions: Object.freeze(
      raw.subscriptions.map((subscription) => Object.freeze(toSubscription(subscription, baseDir))),
    ),
  });
}
