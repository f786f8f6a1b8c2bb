// The environment, parsed once at start-up into one frozen Config. A bad value stops start-up
// with a message naming the variable and what is expected; secrets are never echoed.
import { isIP } from "node:net";
import { z } from "zod";
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

const environmentSchema = z.object({
  DATABASE_URL: optionalString.refine(
    (value) => value === undefined || /^postgres(ql)?:\/\//.test(value),
    "a PostgreSQL URL like postgresql://user:password@host:5432/tocsin (or leave it unset for the embedded server)",
  ),
  TOCSIN_DATA_DIR: z.string().trim().min(1).default("./data"),
  TOCSIN_DB_WAIT: optionalString.transform((value, ctx) => {
    if (value === undefined) return 30_000;
    try {
      return value === "0" ? 0 : parseDuration(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "a duration such as 30s or 2m, or 0" });
      return z.NEVER;
    }
  }),
  TOCSIN_EMBEDDED_PG_PORT: port.default(0),
  TOCSIN_TIME_ZONE: z
    .string()
    .trim()
    .default("UTC")
    .refine(isTimeZone, "an IANA time zone such as Europe/Paris or UTC"),
  TOCSIN_INCIDENT_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Z][A-Z0-9]{0,9}$/, "1-10 capital letters or digits, starting with a letter, e.g. INC")
    .default("INC"),
  TOCSIN_CONSOLE: z.enum(["auto", "on", "off"]).default("auto"),
  ACCESS_CONFIG: optionalString,
  TOCSIN_CONSOLE_USER: optionalString,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  HTTP_PORT: port.default(3000),
  HTTP_HOST: z
    .string()
    .trim()
    .default("0.0.0.0")
    .refine(isBindAddress, "an IP address to listen on, such as 127.0.0.1, 0.0.0.0 or ::"),
  METRICS_TOKEN: optionalString.refine(
    (v) => v === undefined || (v.length >= 16 && !/\s/.test(v)),
    "a random token of at least 16 characters without spaces (e.g. openssl rand -hex 32)",
  ),
  TOCSIN_DB_TIMEOUT: optionalString.transform((value, ctx) => {
    if (value === undefined) return 30_000;
    try {
      const ms = parseDuration(value);
      if (ms >= 1000) return ms;
    } catch {
      // Reported below like a value under a second.
    }
    ctx.addIssue({ code: "custom", message: "a duration of at least 1s, such as 30s or 2m" });
    return z.NEVER;
  }),
  TOCSIN_ARCHIVE_AFTER: optionalString.transform((value, ctx) => {
    if (value === undefined || value === "never") return undefined;
    try {
      return parseDuration(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "a duration such as 24h or 7d, or never" });
      return z.NEVER;
    }
  }),
  BULLETIN_CONFIG: optionalString,
  BULLETIN_SIGNING_KEY: optionalString,
  BULLETIN_SIGNING_PASSPHRASE: optionalString,
  ONCALL_CONFIG: optionalString,
  ONCALL_FEED_SECRET: optionalString.refine(
    (v) => v === undefined || v.length >= 16,
    "a random secret of at least 16 characters (e.g. openssl rand -hex 32)",
  ),
  TOCSIN_PUBLIC_URL: optionalString.refine(
    (v) => v === undefined || /^https?:\/\//.test(v),
    "the URL people reach tocsin's HTTP server at, e.g. https://tocsin.example.org",
  ),
  SLACK_BOT_TOKEN: optionalString.refine(
    (v) => v === undefined || v.startsWith("xoxb-"),
    "a bot token starting with xoxb-",
  ),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString.refine(
    (v) => v === undefined || v.startsWith("xapp-"),
    "an app-level token starting with xapp-",
  ),
  SLACK_API_URL: optionalString.refine(
    (v) => v === undefined || URL.canParse(v),
    "a URL such as https://slack.com/api/",
  ),
  MATRIX_HOMESERVER_URL: optionalString.refine(
    (v) => v === undefined || /^https?:\/\//.test(v),
    "the homeserver's client-server API URL, e.g. https://matrix.example.org",
  ),
  MATRIX_ACCESS_TOKEN: optionalString,
  MATRIX_USER_ID: optionalString.refine(
    (v) => v === undefined || /^@[^:\s]+:\S+$/.test(v),
    "a Matrix user id such as @tocsin:example.org",
  ),
  MATRIX_DEVICE_ID: optionalString,
  MATRIX_ALLOWED_INVITERS: optionalString,
  TOCSIN_MIRROR_NEW_INCIDENTS: z.enum(["off", "slack", "matrix"]).default("off"),
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
  console: { enabled: boolean; user: string };
  /** Path of the access configuration (roles); unset: everyone may do everything but admin. */
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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${String(issue.path[0])}: expected ${issue.message}`),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.SLACK_BOT_TOKEN && !e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET) {
    problems.push(
      "SLACK_SIGNING_SECRET: expected the app's signing secret (needed for the HTTP receiver), or set SLACK_APP_TOKEN for Socket Mode",
    );
  }
  if ((e.SLACK_APP_TOKEN || e.SLACK_SIGNING_SECRET) && !e.SLACK_BOT_TOKEN) {
    problems.push("SLACK_BOT_TOKEN: expected the bot token (xoxb-...) when other SLACK_ variables are set");
  }
  const matrixVariables = [e.MATRIX_HOMESERVER_URL, e.MATRIX_ACCESS_TOKEN, e.MATRIX_USER_ID];
  if (matrixVariables.some(Boolean) && !matrixVariables.every(Boolean)) {
    problems.push(
      "MATRIX_HOMESERVER_URL, MATRIX_ACCESS_TOKEN, MATRIX_USER_ID: expected all three together (or none)",
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
      `TOCSIN_MIRROR_NEW_INCIDENTS: expected a configured platform; ${mirror} is not configured`,
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
    accessConfigPath: e.ACCESS_CONFIG,
    console: { enabled: consoleEnabled, user: e.TOCSIN_CONSOLE_USER ?? env.USER ?? "operator" },
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
