// The environment, parsed once at start-up into one frozen Config. A bad value stops start-up
// with a message naming the variable and what is expected; secrets are never echoed.
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

const environmentSchema = z.object({
  DATABASE_URL: optionalString.refine(
    (value) => value === undefined || /^postgres(ql)?:\/\//.test(value),
    "a PostgreSQL URL like postgresql://user:password@host:5432/tocsin (or leave it unset for the embedded server)",
  ),
  TOCSIN_DATA_DIR: z.string().trim().min(1).default("./data"),
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
  TOCSIN_CONSOLE_USER: optionalString,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  HTTP_PORT: port.default(3000),
  TOCSIN_ARCHIVE_AFTER: optionalString.transform((value, ctx) => {
    if (value === undefined || value === "never") return undefined;
    try {
      return parseDuration(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "a duration such as 24h or 7d, or never" });
      return z.NEVER;
    }
  }),
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
});

export type Environment = z.infer<typeof environmentSchema>;

export interface Config {
  databaseUrl?: string;
  dataDir: string;
  embeddedPostgresPort: number;
  timeZone: string;
  incidentPrefix: string;
  /** Archive incident rooms this long after closing (platforms that can); undefined: never. */
  archiveRoomsAfterMs?: number;
  console: { enabled: boolean; user: string };
  logLevel: NonNullable<Environment["LOG_LEVEL"]>;
  /** The HTTP server (health, feeds, Slack's HTTP receiver) runs when something needs it. */
  http: { enabled: boolean; port: number };
  slack?: { botToken: string; signingSecret?: string; appToken?: string; apiUrl?: string };
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
  if (problems.length) throw new ConfigError(problems);

  const slack = e.SLACK_BOT_TOKEN
    ? {
        botToken: e.SLACK_BOT_TOKEN,
        signingSecret: e.SLACK_SIGNING_SECRET,
        appToken: e.SLACK_APP_TOKEN,
        apiUrl: e.SLACK_API_URL,
      }
    : undefined;
  const chatConfigured = slack !== undefined;
  const consoleEnabled = e.TOCSIN_CONSOLE === "on" || (e.TOCSIN_CONSOLE === "auto" && !chatConfigured);
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    dataDir: e.TOCSIN_DATA_DIR,
    embeddedPostgresPort: e.TOCSIN_EMBEDDED_PG_PORT,
    timeZone: e.TOCSIN_TIME_ZONE,
    incidentPrefix: e.TOCSIN_INCIDENT_PREFIX,
    archiveRoomsAfterMs: e.TOCSIN_ARCHIVE_AFTER,
    console: { enabled: consoleEnabled, user: e.TOCSIN_CONSOLE_USER ?? env.USER ?? "operator" },
    // In the terminal, info lines would interleave with the conversation.
    logLevel: e.LOG_LEVEL ?? (consoleEnabled && !chatConfigured ? "warn" : "info"),
    http: {
      enabled: env.HTTP_PORT !== undefined || (slack !== undefined && !slack.appToken),
      port: e.HTTP_PORT,
    },
    slack,
  });
}
