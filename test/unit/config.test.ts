import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";

describe("config", () => {
  it("defaults to the embedded database and the console", () => {
    const config = loadConfig({ USER: "dana" });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toBe("./data");
    expect(config.console).toEqual({ enabled: true, user: "dana" });
    expect(config.logLevel).toBe("warn");
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("takes the alert endpoints' limits, with the endpoints' defaults", () => {
    expect(loadConfig({}).alertLimits).toEqual({
      maxInFlight: 64,
      webhookBodyBytes: 1024 * 1024,
      eventBodyBytes: 512 * 1024,
    });
    expect(
      loadConfig({
        TOCSIN_ALERT_IN_FLIGHT: "256",
        TOCSIN_ALERT_WEBHOOK_BODY_BYTES: "4194304",
        TOCSIN_ALERT_EVENT_BODY_BYTES: "65536",
      }).alertLimits,
    ).toEqual({ maxInFlight: 256, webhookBodyBytes: 4194304, eventBodyBytes: 65536 });
    expect(() => loadConfig({ TOCSIN_ALERT_IN_FLIGHT: "lots" })).toThrow(
      /TOCSIN_ALERT_IN_FLIGHT="lots" is not a number of alert requests read at once/,
    );
    // 4 MB at most (limits.ts MAX_BODY_LIMIT_BYTES): bodies are parsed whole on the edge thread.
    expect(() => loadConfig({ TOCSIN_ALERT_WEBHOOK_BODY_BYTES: "4194305" })).toThrow(
      /TOCSIN_ALERT_WEBHOOK_BODY_BYTES="4194305" is not a body limit in bytes.*from 65536 to 4194304/,
    );
    expect(() => loadConfig({ TOCSIN_ALERT_EVENT_BODY_BYTES: String(16 * 1024 * 1024) })).toThrow(
      /from 16384 to 4194304/,
    );
  });

  it("takes a PostgreSQL URL", () => {
    expect(loadConfig({ DATABASE_URL: "postgresql://u:p@db:5432/tocsin" }).databaseUrl).toBe(
      "postgresql://u:p@db:5432/tocsin",
    );
  });

  it("names the variable and what is expected", () => {
    expect(() => loadConfig({ DATABASE_URL: "mysql://x" })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: "mysql://x" })).toThrow(
      /DATABASE_URL \(value not shown\) is not a PostgreSQL URL/,
    );
    expect(() => loadConfig({ TOCSIN_TIME_ZONE: "Mars/Olympus" })).toThrow(
      /TOCSIN_TIME_ZONE="Mars\/Olympus" is not a time zone: use an IANA time zone name/,
    );
    expect(() => loadConfig({ HTTP_PORT: "http" })).toThrow(/HTTP_PORT/);
    expect(() => loadConfig({ TOCSIN_CONSOLE: "maybe" })).toThrow(/TOCSIN_CONSOLE/);
  });

  it("never echoes a secret value", () => {
    try {
      loadConfig({ SLACK_BOT_TOKEN: "not-a-token-secret123" });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).toMatch(
        /SLACK_BOT_TOKEN \(value not shown\) is not a Slack bot token: use the Bot User OAuth Token, which starts with xoxb-/,
      );
      expect(String(error)).not.toContain("secret123");
    }
  });

  it("turns the console off when a chat platform is configured, unless asked", () => {
    const slack = { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" };
    expect(loadConfig(slack).console.enabled).toBe(false);
    expect(loadConfig({ ...slack, TOCSIN_CONSOLE: "on" }).console.enabled).toBe(true);
    expect(loadConfig(slack).logLevel).toBe("info");
  });

  it("takes the console user as a handle, and refuses a name that is none rather than replace it", () => {
    expect(loadConfig({ TOCSIN_CONSOLE_USER: "@Alice.Smith" }).console.user).toBe("alice.smith");
    expect(() => loadConfig({ TOCSIN_CONSOLE_USER: "Alice Smith" })).toThrow(
      'TOCSIN_CONSOLE_USER="Alice Smith" is not a console handle: use letters, digits, dots, dashes or underscores, without spaces, e.g. TOCSIN_CONSOLE_USER=alice.smith.',
    );
    // $USER is only a default: a login name that is no handle gives the neutral "operator".
    expect(loadConfig({ USER: "Dana Scully" }).console.user).toBe("operator");
  });

  it("requires a signing secret or an app token with a Slack bot token", () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: "xoxb-1" })).toThrow(/SLACK_SIGNING_SECRET/);
  });

  it("takes the HTTP bind address, a metrics token and a database timeout", () => {
    const defaults = loadConfig({});
    expect(defaults.http.host).toBe("0.0.0.0");
    expect(defaults.http.metricsToken).toBeUndefined();
    expect(defaults.databaseTimeoutMs).toBe(30_000);
    const set = loadConfig({
      HTTP_HOST: "127.0.0.1",
      METRICS_TOKEN: "a-long-enough-token-1234",
      TOCSIN_DB_TIMEOUT: "10s",
    });
    expect(set.http).toMatchObject({ host: "127.0.0.1", metricsToken: "a-long-enough-token-1234" });
    expect(set.databaseTimeoutMs).toBe(10_000);
    expect(loadConfig({ HTTP_HOST: "::" }).http.host).toBe("::");
    expect(() => loadConfig({ HTTP_HOST: "localhost:80" })).toThrow(
      /HTTP_HOST="localhost:80" is not an IP address to listen on/,
    );
    // A secret: its value is never echoed.
    expect(() => loadConfig({ METRICS_TOKEN: "short" })).toThrow(
      /METRICS_TOKEN \(value not shown\) is not a usable token/,
    );
    expect(() => loadConfig({ TOCSIN_DB_TIMEOUT: "500ms" })).toThrow(
      /TOCSIN_DB_TIMEOUT="500ms" is not a duration of at least 1s/,
    );
  });
});
