// Every environment variable answers a bad value with one sentence: the variable, what is wrong
// with the value, and an example. The table is checked against the schema, so a variable added
// without an example (or without a row here) fails this test.
import { describe, expect, it } from "vitest";
import { ConfigError, environmentSchema, loadConfig } from "../../src/config.ts";
import { variableHelp } from "../../src/config-variables.ts";

/** A bad value per variable; null for variables any non-blank text is good for (paths, secrets). */
const BAD_VALUES: Record<string, string | null> = {
  DATABASE_URL: "mysql://root:hunter2@db/tocsin",
  TOCSIN_DATA_DIR: "   ",
  TOCSIN_DB_WAIT: "soon",
  TOCSIN_EMBEDDED_PG_PORT: "abc",
  TOCSIN_TIME_ZONE: "Mars/Olympus",
  TOCSIN_INCIDENT_PREFIX: "CERT-EU",
  TOCSIN_CONSOLE: "maybe",
  ACCESS_CONFIG: null,
  TOCSIN_CONSOLE_USER: "Alice Smith",
  LOG_LEVEL: "loud",
  HTTP_PORT: "abc",
  HTTP_HOST: "example.org",
  METRICS_TOKEN: "short",
  TOCSIN_DB_TIMEOUT: "10ms",
  TOCSIN_ARCHIVE_AFTER: "tomorrow",
  TOCSIN_RETENTION: "1h",
  TOCSIN_COMMAND_CONCURRENCY: "0",
  TOCSIN_COMMAND_QUEUE: "lots",
  TOCSIN_ALERT_IN_FLIGHT: "0",
  TOCSIN_ALERT_WEBHOOK_BODY_BYTES: "1MB",
  TOCSIN_ALERT_EVENT_BODY_BYTES: "100",
  BULLETIN_CONFIG: null,
  BULLETIN_SIGNING_KEY: null,
  BULLETIN_SIGNING_PASSPHRASE: null,
  ONCALL_CONFIG: null,
  ONCALL_FEED_SECRET: "hunter2",
  TOCSIN_PUBLIC_URL: "tocsin.example.org",
  SLACK_BOT_TOKEN: "xoxp-personal-hunter2",
  SLACK_SIGNING_SECRET: null,
  SLACK_APP_TOKEN: "xoxb-wrong-kind-hunter2",
  SLACK_API_URL: "slack api",
  MATRIX_HOMESERVER_URL: "matrix.example.org",
  MATRIX_ACCESS_TOKEN: null,
  MATRIX_USER_ID: "tocsin",
  MATRIX_DEVICE_ID: null,
  MATRIX_ALLOWED_INVITERS: "everyone",
  TOCSIN_MIRROR_NEW_INCIDENTS: "teams",
};

const variables = Object.entries(environmentSchema.shape);

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message
      .split("\n")
      .slice(1)
      .map((line) => line.replace(/^ {2}- /, ""));
  }
  return [];
}

describe("environment variables", () => {
  it.each(variables)("%s declares an example that is accepted", (name, schema) => {
    const help = variableHelp.get(schema);
    expect(help, `${name} has no variable(schema, { isNot, use, example }) declaration`).toBeDefined();
    expect(help?.example).toBeTruthy();
    expect(schema.safeParse(help?.example).success, `${name}=${help?.example}`).toBe(true);
    expect(name in BAD_VALUES, `add a bad value for ${name} to BAD_VALUES (null if any text is good)`).toBe(
      true,
    );
  });

  const withBadValues = variables.filter(([name]) => BAD_VALUES[name] != null);
  it.each(withBadValues)("%s answers a bad value with a sentence and an example", (name, schema) => {
    const help = variableHelp.get(schema)!;
    const bad = BAD_VALUES[name]!;
    const problems = problemsOf({ [name]: bad });
    expect(problems).toHaveLength(1);
    const sentence = problems[0]!;
    const shown = help.secret ? `${name} (value not shown)` : `${name}=${JSON.stringify(bad)}`;
    expect(sentence.startsWith(`${shown} is `), sentence).toBe(true);
    expect(sentence).toContain(`: use ${help.use}, e.g. ${name}=${help.example}.`);
    // No validator jargon, and a secret is never repeated back.
    expect(sentence).not.toMatch(/Invalid input|expected|received|NaN/);
    if (help.secret) expect(sentence).not.toContain(bad);
  });

  it("words the problem in the example of the issue", () => {
    expect(problemsOf({ HTTP_PORT: "abc" })).toEqual([
      'HTTP_PORT="abc" is not a port number: use a number from 1 to 65535 (0: any free port), e.g. HTTP_PORT=3000.',
    ]);
    expect(problemsOf({ ONCALL_FEED_SECRET: "hunter2" })).toEqual([
      "ONCALL_FEED_SECRET (value not shown) is too short: use a random secret of at least 16 characters (openssl rand -hex 32), e.g. ONCALL_FEED_SECRET=3f9c2a7e5b1d4c8f9a0e6b2d7c1f4a8e.",
    ]);
  });

  it("reports every bad variable at once, each once", () => {
    const problems = problemsOf({ HTTP_PORT: "-1.5", LOG_LEVEL: "loud", TOCSIN_CONSOLE: "maybe" });
    expect(problems.map((p) => p.split(/[= ]/)[0]).sort()).toEqual([
      "HTTP_PORT",
      "LOG_LEVEL",
      "TOCSIN_CONSOLE",
    ]);
  });

  it("cuts a very long value short", () => {
    const [sentence] = problemsOf({ TOCSIN_TIME_ZONE: "x".repeat(500) });
    expect(sentence!.length).toBeLessThan(250);
  });

  it("words the problems between variables as sentences with an example", () => {
    const problems = [
      ...problemsOf({ SLACK_BOT_TOKEN: "xoxb-1" }),
      ...problemsOf({ SLACK_SIGNING_SECRET: "s" }),
      ...problemsOf({ MATRIX_USER_ID: "@tocsin:example.org" }),
      ...problemsOf({ TOCSIN_MIRROR_NEW_INCIDENTS: "matrix" }),
    ];
    expect(problems).toHaveLength(4);
    for (const problem of problems) expect(problem).toMatch(/^[A-Z][^\n]+, e\.g\. [A-Z_]+=\S+\.$/);
  });
});
