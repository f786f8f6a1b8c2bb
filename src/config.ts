// The environment, parsed once at start-up into one frozen Config. A bad value stops start-up
// with one sentence per variable naming it, the problem and an example (src/config-variables.ts);
// secrets are never echoed. Every variable is declared with `variable(schema, help)`.
import { isIP } from "node:net";
import { z } from "zod";
import { normaliseHandle } from "./chat/console/handle.ts";
import { describeBadValue, variable, variableHelp } from "./config-variables.ts";
import { parseDuration } from "./oncall/durations.ts";

const optionalString = z
  .string()
  .trim()
  .transform((value) => value || undefined)
  .optional();

const port = z.coerce.number().int().min(0).max(65535);

function isTimeZone(value: string): boolean {
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

/** A refinement that accepts an unset (or blank) variable. */
const unsetOr =
  (test: (value: string) => boolean) =>
  (value: string | undefined): boolean =>
    value === undefined || test(value);

const isHttpUrl = (value: string) => /^https?:\/\/\S+$/.test(value) && URL.canParse(value);
const isMatrixUserId = (value: string) => /^@[^:\s]+:\S+$/.test(value);
const isInviterPattern = (value: string) =>
  value === "*" || /^@?\*:\S+$/.test(value) || isMatrixUserId(value);

/** The letters and digits of incident ids (`CERT` in CERT-2026-0001). */
export const INCIDENT_PREFIX_RULE = /^[A-Z][A-Z0-9]{0,9}$/;

const PATH_HELP = { isNot: "a file path", use: "the path of the file, relative or absolute" };

export const environmentSchema = z.object({
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
  SLACK_BOT_TOKEN: variable(optionalString.refine(unsetOr((v) => v.startsWith("xoxb-"))), {
    isNot: "a Slack bot token",
    use: "the Bot User OAuth Token, which starts with xoxb-",
    example: "xoxb-1234-5678-abcd",
    secret: true,
  }),
  SLACK_SIGNING_SECRET: variable(optionalString, {
    isNot: "a signing secret",
    use: "the Signing Secret from the app's Basic Information page",
    example: "8f14e45fceea167a5a36dedd4bea2543",
    secret: true,
  }),
  SLACK_APP_TOKEN: variable(optionalString.refine(unsetOr((v) => v.startsWith("xapp-"))), {
    isNot: "a Slack app-level token",
    use: "an app-level token with connections:write, which starts with xapp-",
    example: "xapp-1-A0123-4567-abcd",
    secret: true,
  }),
  SLACK_API_URL: variable(optionalString.refine(unsetOr(isHttpUrl)), {
    isNot: "a URL",
    use: "the base URL of the Slack Web API",
    example: "https://slack.com/api/",
  }),
  MATRIX_HOMESERVER_URL: variable(optionalString.refine(unsetOr(isHttpUrl)), {
    isNot: "an http(s) URL",
    use: "the homeserver's client-server API URL",
    example: "https://matrix.example.org",
  }),
  MATRIX_ACCESS_TOKEN: variable(optionalString, {
    isNot: "an access token",
    use: "the access_token of the bot's login",
    example: "syt_dG9jc2lu_abcdefghij",
    secret: true,
  }),
  MATRIX_USER_ID: variable(optionalString.refine(unsetOr(isMatrixUserId)), {
    isNot: "a Matrix user id",
    use: "@localpart:server",
    example: "@tocsin:example.org",
  }),
  MATRIX_DEVICE_ID: variable(optionalString, {
    isNot: "a device id",
    use: "the device_id of the bot's login",
    example: "TOCSIN",
  }),
  MATRIX_ALLOWED_INVITERS: variable(
    optionalString.refine(unsetOr((v) => v.split(",").every((entry) => isInviterPattern(entry.trim())))),
    {
      isNot: "a list of inviters",
      use: "user ids (@alice:example.org), *:server or *, separated by commas",
      example: "*:example.org,@alice:partner.org",
    },
  ),
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
  TOCSIN_MIRROR_NEW_INCIDENTS: variable(z.enum(["off", "slack", "matrix"]).default("off"), {
    isNot: "a mirroring setting",
    use: "off, slack or matrix",
    example: "matrix",
  }),
});

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
  console: { enabled: boolean; user: string };
  /** Path of the access configuration (roles); unset: the organisation may do all but admin. */
  accessConfigPath?: string;
  logLevel: NonNullable<Environment["LOG_LEVEL"]>;
  /** The HTTP server (health, feeds, Slack's HTTP receiver) runs when something needs it. */
  http: { enabled: boolean; port: number; host: string; metricsToken?: string };
  /** Longest a database statement may run (and a query may wait for an answer). */
  databaseTimeoutMs: number;
  slack?: { botToken: string; signingSecret?: string; appToken?: string; apiUrl?: string };
  matrix?: {
    homeserverUrl: string;
    accessToken: string;
    userId: string;
    deviceId?: string;
    allowedInviters?: string[];
  };
  /** Open a room on this platform too for every new incident (mirroring). */
  mirrorNewIncidentsTo?: "slack" | "matrix";
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
    const help = variableHelp.get(environmentSchema.shape[name as keyof typeof environmentSchema.shape]);
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
  if (e.SLACK_BOT_TOKEN && !e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET) {
    problems.push(
      "SLACK_BOT_TOKEN is set without SLACK_SIGNING_SECRET (for the HTTP receiver) or SLACK_APP_TOKEN (for Socket Mode): set one, e.g. SLACK_APP_TOKEN=xapp-1-A0123-4567-abcd.",
    );
  }
  if ((e.SLACK_APP_TOKEN || e.SLACK_SIGNING_SECRET) && !e.SLACK_BOT_TOKEN) {
    problems.push(
      "SLACK_BOT_TOKEN is missing while other SLACK_ variables are set: set the bot token too, e.g. SLACK_BOT_TOKEN=xoxb-1234-5678-abcd.",
    );
  }
  const matrixVariables = [e.MATRIX_HOMESERVER_URL, e.MATRIX_ACCESS_TOKEN, e.MATRIX_USER_ID];
  if (matrixVariables.some(Boolean) && !matrixVariables.every(Boolean)) {
    const missing = ["MATRIX_HOMESERVER_URL", "MATRIX_ACCESS_TOKEN", "MATRIX_USER_ID"].filter(
      (_, i) => !matrixVariables[i],
    );
    problems.push(
      `Matrix needs MATRIX_HOMESERVER_URL, MATRIX_ACCESS_TOKEN and MATRIX_USER_ID together: ${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} missing, e.g. MATRIX_USER_ID=@tocsin:example.org.`,
    );
  }
  if (problems.length) throw new ConfigError(problems);

  const slack = e.SLACK_BOT_TOKEN
    ? {
        botToken: e.SLACK_BOT_TOKEN,
        signingSecret: e.SLACK_SIGNING_SECRET,
        appToken: e.SLACK_APP_TOKEN,
        apiUrl: e.SLACK_API_URL,
      }
    : undefined;
  const matrix =
    e.MATRIX_HOMESERVER_URL && e.MATRIX_ACCESS_TOKEN && e.MATRIX_USER_ID
      ? {
          homeserverUrl: e.MATRIX_HOMESERVER_URL,
          accessToken: e.MATRIX_ACCESS_TOKEN,
          userId: e.MATRIX_USER_ID,
          deviceId: e.MATRIX_DEVICE_ID,
          allowedInviters: e.MATRIX_ALLOWED_INVITERS?.split(",")
            .map((v) => v.trim())
            .filter(Boolean),
        }
      : undefined;
  const mirror = e.TOCSIN_MIRROR_NEW_INCIDENTS === "off" ? undefined : e.TOCSIN_MIRROR_NEW_INCIDENTS;
  if (mirror && !(mirror === "slack" ? slack : matrix)) {
    throw new ConfigError([
      `TOCSIN_MIRROR_NEW_INCIDENTS=${mirror} names a platform that is not configured: configure ${mirror === "slack" ? "Slack" : "Matrix"} too, or use off, e.g. TOCSIN_MIRROR_NEW_INCIDENTS=off.`,
    ]);
  }
  const chatConfigured = slack !== undefined || matrix !== undefined;
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
