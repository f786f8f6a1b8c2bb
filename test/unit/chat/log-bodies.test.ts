// LOG_LEVEL=debug must not turn the log into a copy of every message: what Slack's WebClient and
// matrix-js-sdk log at debug keeps their own words and drops bodies.
import { describe, expect, it } from "vitest";
import { withoutBodies } from "../../../src/chat/log-bodies.ts";

const BODY = '{"channel":"C1","text":"TLP:RED Payroll database exfiltrated"}';

describe("debug lines of chat libraries", () => {
  it("keep the library's words and drop request bodies", () => {
    expect(withoutBodies([`http request body: ${BODY}`])).toBe("http request body: (data not logged)");
    expect(withoutBodies(["apiCall('chat.postMessage') start"])).toBe("apiCall('chat.postMessage') start");
    expect(withoutBodies(["sending event", { content: { body: "Payroll" } }])).toBe(
      "sending event (data not logged)",
    );
    expect(withoutBodies([{ body: "Payroll" }])).toBe("(data not logged)");
  });

  it("never lets a body through, whatever its shape", () => {
    for (const line of [
      `result: ${BODY}`,
      `text="Payroll database"`,
      `text='Payroll database'`,
      `x\nPayroll database`,
      `[${BODY}]`,
    ]) {
      expect(withoutBodies([line])).not.toContain("Payroll");
    }
  });
});
