import { describe, expect, it } from "vitest";
import { formatSlackMention, parseSlackMention } from "../../../src/chat/slack/mentions.ts";

describe("Slack mentions", () => {
  it("reads the user id from escaped and plain mentions", () => {
    expect(parseSlackMention("<@U123ABC|alice>")).toBe("U123ABC");
    expect(parseSlackMention("<@U123ABC>")).toBe("U123ABC");
    expect(parseSlackMention("<@W0ENTERPRISE>")).toBe("W0ENTERPRISE");
  });

  it("does not take other tokens for mentions", () => {
    for (const token of ["@alice", "U123", "<#C123|general>", "<!here>", "<@U123", "alice"]) {
      expect(parseSlackMention(token)).toBeUndefined();
    }
  });

  it("writes a mention Slack renders", () => {
    expect(formatSlackMention("U123")).toBe("<@U123>");
  });
});
