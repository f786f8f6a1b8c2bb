import { describe, expect, it } from "vitest";
import { RecentKeys } from "../../../src/chat/slack/recent-keys.ts";
import { ManualClock } from "../../../src/clock.ts";

describe("recently seen Slack deliveries", () => {
  it("takes a key once within its time to live", () => {
    const clock = new ManualClock();
    const seen = new RecentKeys(clock, { ttlMs: 60_000 });
    expect(seen.firstSighting("event:Ev1")).toBe(true);
    expect(seen.firstSighting("event:Ev1")).toBe(false);
    clock.advance(59_000);
    expect(seen.firstSighting("event:Ev1")).toBe(false);
    clock.advance(2_000);
    expect(seen.firstSighting("event:Ev1")).toBe(true);
  });

  it("forgets the oldest keys past its capacity", () => {
    const seen = new RecentKeys(new ManualClock(), { capacity: 2 });
    seen.firstSighting("a");
    seen.firstSighting("b");
    seen.firstSighting("c");
    expect(seen.firstSighting("a")).toBe(true);
    expect(seen.firstSighting("c")).toBe(false);
  });
});
