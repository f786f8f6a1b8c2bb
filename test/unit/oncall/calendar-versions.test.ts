// Calendar feeds as RFC 5545 asks: every content line ends with CRLF; DTSTAMP and SEQUENCE say
// which version of an event this is, the same on every fetch, and SEQUENCE grows when a cover
// (or its removal) changes an event's times.
import { readFileSync } from "node:fs";
import path from "node:path";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { feedWindow, teamCalendar } from "../../../src/oncall/calendar.ts";
import { parseOncallConfig } from "../../../src/oncall/config.ts";
import type { Override } from "../../../src/oncall/override.ts";

const config = parseOncallConfig(
  readFileSync(path.join(import.meta.dirname, "../../../examples/oncall.yaml"), "utf8"),
  "examples/oncall.yaml",
);

const now = new Date("2026-03-25T10:00:00Z");
// Eva's weekend in CSIRT, Friday 18:00 CET to Monday 09:00 CEST (see calendar.test.ts).
const WEEKEND_START = "2026-03-27T17:00:00.000Z";

function feed(overrides: Override[], at = now): string {
  return teamCalendar({
    config,
    teamId: "csirt",
    overridesByTeam: new Map([["csirt", overrides]]),
    window: feedWindow(at),
  });
}

function events(text: string) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  return calendar.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    return {
      uid: event.uid,
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
      sequence: event.sequence,
      stamp: (component.getFirstPropertyValue("dtstamp") as ICAL.Time).toJSDate().toISOString(),
    };
  });
}

const weekendOf = (text: string) => events(text).find((event) => event.start === WEEKEND_START)!;

const cover: Override = {
  id: "ov-cover",
  personId: "hugo",
  start: new Date("2026-03-28T10:00:00Z"),
  end: new Date("2026-03-28T14:00:00Z"),
  createdAt: new Date("2026-03-20T08:15:00Z"),
};

describe("RFC 5545 lines", () => {
  it("ends every content line, the last one included, with CRLF", () => {
    const text = feed([]);
    expect(text.endsWith("END:VCALENDAR\r\n")).toBe(true);
    expect(text).not.toMatch(/[^\r]\n/);
    expect(text.split("\r\n").at(-1)).toBe("");
  });
});

describe("event versions", () => {
  it("gives the same DTSTAMP and SEQUENCE on every fetch", () => {
    const first = events(feed([cover]));
    const later = events(feed([cover], new Date(now.getTime() + 5 * 3_600_000)));
    const byUid = new Map(later.map((event) => [event.uid, event]));
    let compared = 0;
    for (const event of first) {
      const again = byUid.get(event.uid);
      if (!again) continue;
      expect(again).toEqual(event);
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
    // Not the fetch time.
    expect(first.some((event) => event.stamp === now.toISOString())).toBe(false);
  });

  it("raises SEQUENCE when a cover shortens a shift, and again when the cover is removed", () => {
    const plain = weekendOf(feed([]));
    expect(plain).toMatchObject({ end: "2026-03-30T07:00:00.000Z", sequence: 0 });

    const shortened = weekendOf(feed([cover]));
    expect(shortened.uid).toBe(plain.uid);
    expect(shortened.end).toBe("2026-03-28T10:00:00.000Z");
    expect(shortened.sequence).toBeGreaterThan(plain.sequence);
    expect(shortened.stamp).toBe(cover.createdAt.toISOString());

    const removed = { ...cover, removedAt: new Date("2026-03-21T12:00:00Z") };
    const restored = weekendOf(feed([removed]));
    expect(restored.uid).toBe(plain.uid);
    expect(restored.end).toBe(plain.end);
    expect(restored.sequence).toBeGreaterThan(shortened.sequence);
    expect(restored.stamp).toBe("2026-03-21T12:00:00.000Z");
    // The removed cover is no event of its own any more.
    expect(events(feed([removed])).some((event) => event.start === "2026-03-28T10:00:00.000Z")).toBe(false);
  });

  it("an override's own event is stamped when it was made", () => {
    const own = events(feed([cover])).find((event) => event.start === "2026-03-28T10:00:00.000Z")!;
    expect(own).toMatchObject({
      end: "2026-03-28T14:00:00.000Z",
      sequence: 0,
      stamp: cover.createdAt.toISOString(),
    });
  });
});
