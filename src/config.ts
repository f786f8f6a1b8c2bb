// The environment, parsed once at start-up into one frozen Config. A bad value stops start-up
// with one sentence per variable naming it, the problem and an example (src/config-variables.ts);
// secrets are never echoed. Every variable is declared with `variable(schema, help)`.
import { isIP } from "node:net";
import { z } from "zod";
import { DEFAULT_ALERT_INTAKE_LIMITS, MAX_BODY_LIMIT_BYTES } from "./alerts/intake/limits.ts";
import { normaliseHandle } from "./chat/console/handle.ts";
import type { PlatformName } from "./chat/invocation.ts";
import type { MatrixSettings } from "./chat/matrix/environment.ts";
import { listPlatforms, platformDescriptor, platformDescriptors } from "./chat/platforms.ts";
import type { SlackSettings } from "./chat/slack/environment.ts";
import {
  describeBadValue,
  isHttpUrl,
  optionalString,
  unsetOr,
  variable,
  variableHelp,
} from "./config-variables.ts";
import { parseDuration } from "./oncall/durations.ts";

const port = z.coerce.number().int().min(0).max(65535);

function isTimeZone(value: string): boolean {
  // The default needs no check: the first DateTimeFormat loads ICU's zone data (~30 ms at start),
  // which only the first command that shows a time needs.
  if (value === "UTC") return true;
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function isBindAddress(value: string): boolean {
  return isIP(value) !== 0;
}

function isDuration(value: string): boolean {
  try {
    parseDuration(value);
    return true;
  } catch {
    return false;
  }
}

/** Platforms a new incident can be mirrored to (descriptors marked mirrorable). */
const MIRRORS = platformDescriptors()
  .filter((p) => p.mirrorable)
  .map((p) => p.name);

/** The letters and digits of incident ids (`CERT` in CERT-2026-0001). */
export const INCIDENT_PREFIX_RULE = /^[A-Z][A-Z0-9]{0,9}$/;

const PATH_HELP = { isNot: "a file path", use: "the path of the file, relative or absolute" };

const coreVariables = {
  DATABASE_URL: variable(optionalString.refine(unsetOr((v) => /^postgres(ql)?:\/\/\S+$/.test(v))), {
    isNot: "a PostgreSQL URL",
    use: "postgresql://user:password@host:5432/database, or leave it unset for the embedded PostgreSQL",
    example: "postgresql://tocsin:secret@db.example.org:5432/tocsin",
    // It usually holds a password.
    secret: true,
  }),
  TOCSIN_DATA_DIR: variable(z.string().trim().min(1).default("./data"), {
    isNot: "a directory",
    use: "the path of the directory for tocsin's files, relative or absolute",
    example: "./data",
  }),
  TOCSIN_DB_WAIT: variable(
    optionalString
      .refine(unsetOr((v) => v === "0" || isDuration(v)))
      .transform((value) => (value === undefined ? 30_000 : value === "0" ? 0 : parseDuration(value))),
    { isNot: "a duration", use: "a number with s, m or h, or 0 not to wait", example: "30s" },
  ),
  TOCSIN_EMBEDDED_PG_PORT: variable(port.default(0), {
    isNot: "a port number",
    use: "a number from 1 to 65535, or 0 for any free port",
    example: "5433",
  }),
  TOCSIN_TIME_ZONE: variable(z.string().trim().default("UTC").refine(isTimeZone), {
    isNot: "a time zone",
    use: "an IANA time zone name",
    example: "Europe/Paris",
  }),
  TOCSIN_INCIDENT_PREFIX: variable(
    z
      .string()
      .trim()
      .transform((value) => value.toUpperCase())
      .pipe(z.string().regex(INCIDENT_PREFIX_RULE))
      .default("INC"),
    {
      isNot: "an incident id prefix",
      use: "1 to 10 letters or digits starting with a letter (ids read CERT-2026-0001)",
      example: "CERT",
    },
  ),
  TOCSIN_CONSOLE: variable(z.enum(["auto", "on", "off"]).default("auto"), {
    isNot: "a console setting",
    use: "auto (on when no chat platform is configured), on or off",
    example: "on",
  }),
  ACCESS_CONFIG: variable(optionalString, { ...PATH_HELP, example: "examples/access.yaml" }),
  TOCSIN_CONSOLE_USER: variable(
    optionalString
      .refine(unsetOr((v) => normaliseHandle(v) !== undefined))
      .transform((v) => v && normaliseHandle(v)),
    {
      isNot: "a console handle",
      use: "letters, digits, dots, dashes or underscores, without spaces",
      example: "alice.smith",
    },
  ),
  LOG_LEVEL: variable(z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(), {
    isNot: "a log level",
    use: "fatal, error, warn, info, debug, trace or silent",
    example: "info",
  }),
  HTTP_PORT: variable(port.default(3000), {
    isNot: "a port number",
    use: "a number from 1 to 65535 (0: any free port)",
    example: "3000",
  }),
  HTTP_HOST: variable(z.string().trim().default("0.0.0.0").refine(isBindAddress), {
    isNot: "an IP address to listen on",
    use: "an address of this machine, 0.0.0.0 or :: for every one",
    example: "127.0.0.1",
  }),
  METRICS_TOKEN: variable(optionalString.refine(unsetOr((v) => v.length >= 16 && !/\s/.test(v))), {
    isNot: "a usable token",
    use: "a random token of at least 16 characters without spaces (openssl rand -hex 32)",
    example: "3f9c0d8e2b7a4c1f9e6d5b4a3c2b1a09",
    secret: true,
  }),
  TOCSIN_DB_TIMEOUT: variable(
    optionalString
      .refine(unsetOr((v) => isDuration(v) && parseDuration(v) >= 1000))
      .transform((value) => (value === undefined ? 30_000 : parseDuration(value))),
    { isNot: "a duration of at least 1s", use: "a number with s or m", example: "30s" },
  ),
  TOCSIN_ARCHIVE_AFTER: variable(
    optionalString
      .refine(unsetOr((v) => v === "never" || isDuration(v)))
      .transform((value) => (value === undefined || value === "never" ? undefined : parseDuration(value))),
    { isNot: "a duration", use: "a number with h, d or w, or never", example: "24h" },
  ),
  BULLETIN_CONFIG: variable(optionalString, { ...PATH_HELP, example: "examples/bulletins.yaml" }),
  BULLETIN_SIGNING_KEY: variable(optionalString, { ...PATH_HELP, example: "data/bulletin-key.asc" }),
  BULLETIN_SIGNING_PASSPHRASE: variable(optionalString, {
    isNot: "a passphrase",
    use: "the passphrase of the signing key",
    example: "correct-horse-battery-staple",
    secret: true,
  }),
  ONCALL_CONFIG: variable(optionalString, { ...PATH_HELP, example: "examples/oncall.yaml" }),
  ONCALL_FEED_SECRET: variable(
    optionalString.refine(
      unsetOr((v) => v.length >= 16),
      "is too short",
    ),
    {
      isNot: "a usable secret",
      use: "a random secret of at least 16 characters (openssl rand -hex 32)",
      example: "3f9c2a7e5b1d4c8f9a0e6b2d7c1f4a8e",
      secret: true,
    },
  ),
  TOCSIN_PUBLIC_URL: variable(optionalString.refine(unsetOr(isHttpUrl)), {
    isNot: "an http(s) URL",
    use: "the URL people reach tocsin's HTTP server at",
    example: "https://tocsin.example.org",
  }),
  TOCSIN_RETENTION: variable(
    optionalString
      .refine(unsetOr((v) => isDuration(v) && parseDuration(v) >= 24 * 60 * 60_000))
      .transform((value) => (value === undefined ? 30 * 24 * 60 * 60_000 : parseDuration(value))),
    { isNot: "a duration of at least 1d", use: "a number with d or w", example: "30d" },
  ),
  TOCSIN_COMMAND_CONCURRENCY: variable(z.coerce.number().int().min(1).max(64).default(8), {
    isNot: "a number of commands run at once",
    use: "a whole number from 1 to 64",
    example: "8",
  }),
  TOCSIN_COMMAND_QUEUE: variable(z.coerce.number().int().min(0).max(10_000).default(256), {
    isNot: "a number of waiting commands",
    use: "a whole number from 0 to 10000",
    example: "256",
  }),
  TOCSIN_ALERT_IN_FLIGHT: variable(
    z.coerce.number().int().min(1).max(10_000).default(DEFAULT_ALERT_INTAKE_LIMITS.maxInFlight),
    {
      isNot: "a number of alert requests read at once",
      use: "a whole number from 1 to 10000",
      example: String(DEFAULT_ALERT_INTAKE_LIMITS.maxInFlight),
    },
  ),
  TOCSIN_ALERT_WEBHOOK_BODY_BYTES: variable(
    z.coerce
      .number()
      .int()
      .min(64 * 1024)
      .max(MAX_BODY_LIMIT_BYTES)
      .default(DEFAULT_ALERT_INTAKE_LIMITS.webhookBodyBytes),
    {
      isNot: "a body limit in bytes",
      use: `a whole number of bytes from 65536 to ${MAX_BODY_LIMIT_BYTES}`,
      example: String(DEFAULT_ALERT_INTAKE_LIMITS.webhookBodyBytes),
    },
  ),
  TOCSIN_ALERT_EVENT_BODY_BYTES: variable(
    z.coerce
      .number()
      .int()
      .min(16 * 1024)
      .max(MAX_BODY_LIMIT_BYTES)
      .default(DEFAULT_ALERT_INTAKE_LIMITS.eventBodyBytes),
    {
      isNot: "a body limit in bytes",
      use: `a whole number of bytes from 16384 to ${MAX_BODY_LIMIT_BYTES}`,
      example: String(DEFAULT_ALERT_INTAKE_LIMITS.eventBodyBytes),
    },
  ),
  TOCSIN_MIRROR_NEW_INCIDENTS: variable(z.enum(["off", ...MIRRORS]).default("off"), {
    isNot: "a mirroring setting",
    use: listPlatforms(["off", ...MIRRORS]),
    example: "matrix",
  }),
};

/**
 * Every variable: tocsin's own and each platform's (SLACK_*, MATRIX_*, declared in its folder).
 * Typed by tocsin's own; a platform reads its values itself (`PlatformEnvironment.read`).
 */
export const environmentSchema = z.object({
  ...coreVariables,
  ...Object.fromEntries(platformDescriptors().flatMap((p) => Object.entries(p.environment?.variables ?? {}))),
}) as unknown as z.ZodObject<typeof coreVariables>;

export type Environment = z.infer<typeof environmentSchema>;

export interface Config {
  databaseUrl?: string;
  /** How long to wait for DATABASE_URL to become reachable at start. */
  databaseWaitMs: number;
  dataDir: string;
  embeddedPostgresPort: number;
  timeZone: string;
  incidentPrefix: string;
  /** Archive incident rooms this long after closing (platforms that can); undefined: never. */
  archiveRoomsAfterMs?: number;
  /** Handled event keys, finished jobs and sent page deliveries are pruned after this. */
  retentionMs: number;
  /** Commands run at once, and how many may wait before new ones are answered "busy". */
  commandLimits: { concurrency: number; capacity: number };
  /** The alert endpoints: requests at once (each pool) and body limits, in bytes. */
  alertLimits: { maxInFlight: number; webhookBodyBytes: number; eventBodyBytes: number };
  console: { enabled: boolean; user: string };
  /** Path of the access configuration (roles); unset: the organisation may do all but admin. */
  accessConfigPath?: string;
  logLevel: NonNullable<Environment["LOG_LEVEL"]>;
  /** The HTTP server (health, feeds, Slack's HTTP receiver) runs when something needs it. */
  http: { enabled: boolean; port: number; host: string; metricsToken?: string };
  /** Longest a database statement may run (and a query may wait for an answer). */
  databaseTimeoutMs: number;
  /** Each configured platform's settings, by name, from its descriptor's variables. */
  platforms: ReadonlyMap<string, unknown>;
  /** From the Slack descriptor's variables (src/chat/slack/environment.ts). */
  slack?: SlackSettings;
  /** From the Matrix descriptor's variables (src/chat/matrix/environment.ts). */
  matrix?: MatrixSettings;
  /** Open a room on this platform too for every new incident (mirroring). */
  mirrorNewIncidentsTo?: PlatformName;
  /** On-call configuration file (validated at start by main.ts) and calendar feed settings. */
  oncall: { configFile?: string; feedSecret?: string; publicUrl?: string };
  /** Bulletin subscriptions (YAML) and the signing key; files are read at start (src/bulletins). */
  bulletins: { configFile?: string; signingKeyFile?: string; passphrase?: string };
}

export class ConfigError extends Error {
  constructor(problems: string[]) {
    super(
      `tocsin cannot start: the environment has ${problems.length === 1 ? "a problem" : "problems"}:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "ConfigError";
  }
}

/** One sentence per bad variable (a variable with several issues is named once). */
function describeIssues(error: z.ZodError, env: NodeJS.ProcessEnv): string[] {
  const sentences = new Map<string, string>();
  for (const issue of error.issues) {
    const name = String(issue.path[0]);
    if (sentences.has(name)) continue;
    const help = variableHelp.get((environmentSchema.shape as Record<string, z.ZodType>)[name] as z.ZodType);
    // A refinement may say more precisely what is wrong ("is too short").
    const precise = issue.code === "custom" && issue.message.startsWith("is ") ? issue.message : undefined;
    sentences.set(name, describeBadValue(name, env[name], help, precise));
  }
  return [...sentences.values()];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, env));
  const e = parsed.data;
  const problems: string[] = [];
  const platformSettings = new Map<string, unknown>();
  for (const platform of platformDescriptors()) {
    if (!platform.environment) continue;
    const read = platform.environment.read(e);
    problems.push(...read.problems);
    if (read.settings !== undefined) platformSettings.set(platform.name, read.settings);
  }
  if (problems.length) throw new ConfigError(problems);
  const slack = platformSettings.get("slack") as SlackSettings | undefined;
  const matrix = platformSettings.get("matrix") as MatrixSettings | undefined;

  const mirror = e.TOCSIN_MIRROR_NEW_INCIDENTS === "off" ? undefined : e.TOCSIN_MIRROR_NEW_INCIDENTS;
  if (mirror && !platformSettings.has(mirror)) {
    throw new ConfigError([
      `TOCSIN_MIRROR_NEW_INCIDENTS=${mirror} names a platform that is not configured: configure ${platformDescriptor(mirror).title} too, or use off, e.g. TOCSIN_MIRROR_NEW_INCIDENTS=off.`,
    ]);
  }
  // A chat platform is one configured from the environment (the console is switched on or off).
  const chatConfigured = platformSettings.size > 0;
  const consoleEnabled = e.TOCSIN_CONSOLE === "on" || (e.TOCSIN_CONSOLE === "auto" && !chatConfigured);
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    databaseWaitMs: e.TOCSIN_DB_WAIT,
    dataDir: e.TOCSIN_DATA_DIR,
    embeddedPostgresPort: e.TOCSIN_EMBEDDED_PG_PORT,
    timeZone: e.TOCSIN_TIME_ZONE,
    incidentPrefix: e.TOCSIN_INCIDENT_PREFIX,
    archiveRoomsAfterMs: e.TOCSIN_ARCHIVE_AFTER,
    retentionMs: e.TOCSIN_RETENTION,
    commandLimits: { concurrency: e.TOCSIN_COMMAND_CONCURRENCY, capacity: e.TOCSIN_COMMAND_QUEUE },
    alertLimits: {
      maxInFlight: e.TOCSIN_ALERT_IN_FLIGHT,
      webhookBodyBytes: e.TOCSIN_ALERT_WEBHOOK_BODY_BYTES,
      eventBodyBytes: e.TOCSIN_ALERT_EVENT_BODY_BYTES,
    },
    accessConfigPath: e.ACCESS_CONFIG,
    // $USER is only a default: a login name that is no handle falls back to "operator".
    console: {
      enabled: consoleEnabled,
      user: e.TOCSIN_CONSOLE_USER ?? normaliseHandle(env.USER ?? "") ?? "operator",
    },
    // In the terminal, info lines would interleave with the conversation.
    logLevel: e.LOG_LEVEL ?? (consoleEnabled && !chatConfigured ? "warn" : "info"),
    http: {
      // On-call serves calendar feeds.
      enabled:
        env.HTTP_PORT !== undefined ||
        (slack !== undefined && !slack.appToken) ||
        e.ONCALL_CONFIG !== undefined,
      port: e.HTTP_PORT,
      host: e.HTTP_HOST,
      // Named so the logger redacts it (REDACTED_PATHS "*.metricsToken").
      metricsToken: e.METRICS_TOKEN,
    },
    databaseTimeoutMs: e.TOCSIN_DB_TIMEOUT,
    platforms: platformSettings,
    slack,
    matrix,
    mirrorNewIncidentsTo: mirror,
    oncall: {
      configFile: e.ONCALL_CONFIG,
      // Named so the logger redacts it (REDACTED_PATHS "*.feedSecret").
      feedSecret: e.ONCALL_FEED_SECRET,
      publicUrl: e.TOCSIN_PUBLIC_URL,
    },
    bulletins: {
      configFile: e.BULLETIN_CONFIG,
      signingKeyFile: e.BULLETIN_SIGNING_KEY,
      // Named so the logger redacts it (REDACTED_PATHS "*.passphrase").
      passphrase: e.BULLETIN_SIGNING_PASSPHRASE,
    },
  });
}
