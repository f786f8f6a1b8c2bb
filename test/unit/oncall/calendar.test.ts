import { readFileSync } from "node:fs";
import path from "node:path";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import {
  feedToken,
  feedWindow,
  personCalendar,
  personFeedId,
  teamCalendar,
  teamFeedId,
  verifyFeedToken,
} from "../../../src/oncall/calendar.ts";
import { parseOncallConfig } from "../../../src/oncall/config.ts";
import type { Override } from "../../../src/oncall/override.ts";

const config = parseOncallConfig(
  readFileSync(path.join(import.meta.dirname, "../../../examples/oncall.yaml"), "utf8"),
  "examples/oncall.yaml",
);

interface ParsedEvent {
  uid: string;
  summary: string;
  description: string;
  start: string;
  end: string;
}

function parseFeed(text: string): { name: string; events: ParsedEvent[] } {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const events = calendar.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    return {
      uid: event.uid,
      summary: event.summary,
      description: event.description,
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
    };
  });
  return { name: String(calendar.getFirstPropertyValue("x-wr-calname")), events };
}

const now = new Date("2026-03-25T10:00:00Z");
const noOverrides = new Map<string, readonly Override[]>();

describe("team feed", () => {
  const feed = parseFeed(
    teamCalendar({
      config,
      teamId: "csirt",
      overridesByTeam: noOverrides,
      window: feedWindow(now),
    }),
  );

  it("parses with ical.js and names the team", () => {
    expect(feed.name).toBe("On call: CSIRT");
    expect(feed.events.length).toBeGreaterThan(100);
  });

  it("has one event per segment, '<person> on call', back to back across the DST change", () => {
    // Week of 2026-03-23: business hours Chloé, nights and weekends Eva (see examples/oncall.yaml).
    const friday = feed.events.find((event) => event.start === "2026-03-27T08:00:00.000Z")!;
    expect(friday).toMatchObject({ summary: "Chloé Martin on call", end: "2026-03-27T17:00:00.000Z" });
    expect(friday.description).toContain("Rotation: Business hours");
    const weekend = feed.events.find((event) => event.start === "2026-03-27T17:00:00.000Z")!;
    // Friday 18:00 CET to Monday 09:00 CEST.
    expect(weekend).toMatchObject({ summary: "Eva Nowak on call", end: "2026-03-30T07:00:00.000Z" });
    for (let i = 1; i < feed.events.length; i++) expect(feed.events[i]!.start).toBe(feed.events[i - 1]!.end);
  });

  it("shows the first and last segments whole, beyond the window", () => {
    const window = feedWindow(now);
    expect(Date.parse(feed.events[0]!.start)).toBeLessThanOrEqual(window.from.getTime());
    expect(Date.parse(feed.events.at(-1)!.end)).toBeGreaterThanOrEqual(window.to.getTime());
  });

  it("keeps UIDs stable when regenerated later, and unique within the feed", () => {
    const later = new Date(now.getTime() + 26 * 3_600_000);
    const again = parseFeed(
      teamCalendar({
        config,
        teamId: "csirt",
        overridesByTeam: noOverrides,
        window: feedWindow(later),
      }),
    );
    const uidByStart = new Map(feed.events.map((event) => [event.start, event.uid]));
    let shared = 0;
    for (const event of again.events) {
      const before = uidByStart.get(event.start);
      if (before === undefined) continue;
      expect(event.uid).toBe(before);
      shared++;
    }
    expect(shared).toBeGreaterThan(100);
    expect(new Set(feed.events.map((event) => event.uid)).size).toBe(feed.events.length);
  });

  it("an override replaces part of a segment with its own event", () => {
    const cover: Override = {
      id: "ov-1",
      personId: "hugo",
      start: new Date("2026-03-28T10:00:00Z"),
      end: new Date("2026-03-28T14:00:00Z"),
      createdAt: now,
    };
    const withCover = parseFeed(
      teamCalendar({
        config,
        teamId: "csirt",
        overridesByTeam: new Map([["csirt", [cover]]]),
        window: feedWindow(now),
      }),
    );
    const hugo = withCover.events.find((event) => event.summary === "Hugo Bernard on call")!;
    expect(hugo).toMatchObject({ start: "2026-03-28T10:00:00.000Z", end: "2026-03-28T14:00:00.000Z" });
    expect(hugo.description).toContain("Override");
    // The weekend segment before the cover keeps its UID; the part after it is a new segment.
    const weekendUid = feed.events.find((event) => event.start === "2026-03-27T17:00:00.000Z")!.uid;
    expect(withCover.events.find((event) => event.start === "2026-03-27T17:00:00.000Z")!.uid).toBe(
      weekendUid,
    );
  });

  it("refuses an unknown team", () => {
    expect(() =>
      teamCalendar({
        config,
        teamId: "nope",
        overridesByTeam: noOverrides,
        window: feedWindow(now),
      }),
    ).toThrow(/no team "nope"/);
  });
});

describe("person feed", () => {
  it("has the person's shifts in every team, 'On call: <team>'", () => {
    const helpingSoc: Override = {
      id: "ov-2",
      personId: "eva",
      start: new Date("2026-04-02T06:00:00Z"),
      end: new Date("2026-04-02T18:00:00Z"),
      createdAt: now,
    };
    const feed = parseFeed(
      personCalendar({
        config,
        personId: "eva",
        overridesByTeam: new Map([["soc", [helpingSoc]]]),
        window: feedWindow(now),
      }),
    );
    expect(feed.name).toBe("On call: Eva Nowak");
    expect(new Set(feed.events.map((event) => event.summary))).toEqual(
      new Set(["On call: CSIRT", "On call: SOC"]),
    );
    expect(feed.events.find((event) => event.summary === "On call: SOC")).toMatchObject({
      start: "2026-04-02T06:00:00.000Z",
      end: "2026-04-02T18:00:00.000Z",
    });
    expect(feed.events.find((event) => event.start === "2026-03-27T17:00:00.000Z")?.summary).toBe(
      "On call: CSIRT",
    );
  });
});

describe("feed tokens", () => {
  const secret = "s3cret-for-tests";

  it("are an HMAC-SHA256 of the feed id, in hex", () => {
    const token = feedToken(secret, teamFeedId("csirt"));
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(feedToken(secret, teamFeedId("csirt"))).toBe(token);
    expect(feedToken(secret, personFeedId("csirt"))).not.toBe(token);
    expect(feedToken("another secret", teamFeedId("csirt"))).not.toBe(token);
  });

  it("verify only for the right feed and secret", () => {
    const token = feedToken(secret, teamFeedId("csirt"));
    expect(verifyFeedToken(secret, teamFeedId("csirt"), token)).toBe(true);
    expect(verifyFeedToken(secret, teamFeedId("csirt"), token.toUpperCase())).toBe(true);
    expect(verifyFeedToken(secret, teamFeedId("soc"), token)).toBe(false);
    expect(verifyFeedToken("another secret", teamFeedId("csirt"), token)).toBe(false);
    expect(verifyFeedToken(secret, teamFeedId("csirt"), `${token.slice(0, -1)}0`)).toBe(token.endsWith("0"));
    expect(verifyFeedToken(secret, teamFeedId("csirt"), token.slice(0, 32))).toBe(false);
    expect(verifyFeedToken(secret, teamFeedId("csirt"), "z".repeat(64))).toBe(false);
    expect(verifyFeedToken(secret, teamFeedId("csirt"), "")).toBe(false);
  });

  it("refuse an empty secret", () => {
    expect(() => feedToken("", teamFeedId("csirt"))).toThrow(/secret is empty/);
  });
});
