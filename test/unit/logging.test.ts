import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { REDACTED_PATHS } from "../../src/logging.ts";

describe("logs", () => {
  it("never contain secrets from logged objects", () => {
    const lines: string[] = [];
    const log = pino(
      { redact: { paths: REDACTED_PATHS, censor: "[redacted]" } },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    log.info(
      {
        slack: { botToken: "xoxb-secret-1", signingSecret: "secret-2", appToken: "xapp-secret-3" },
        matrix: { accessToken: "syt_secret-4" },
        signing: { passphrase: "secret-5" },
        databaseUrl: "postgresql://u:secret-6@h/db",
        request: { headers: { authorization: "Bearer secret-7" } },
      },
      "config",
    );
    expect(lines.join("")).not.toMatch(/secret-\d/);
    expect(lines.join("")).toContain("[redacted]");
  });
});
