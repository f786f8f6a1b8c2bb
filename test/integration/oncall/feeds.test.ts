// Calendar feeds over HTTP: parsed by ical.js, protected by per-feed tokens.
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { feedToken, personFeedId, teamFeedId } from "../../../src/oncall/calendar.ts";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { startOncallDesk } from "./fixture.ts";

const SECRET = "feed-secret-for-tests-0123456789";
let desk: ConsoleDesk;
let base: string;
beforeAll(async () => {
  desk = await startOncallDesk({ feeds: { secret: SECRET, publicUrl: "https://tocsin.example.org" } });
  const port = await desk.app.services.http.listen(0, "127.0.0.1");
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await desk?.app.services.http.close();
  await desk?.close();
});

function events(text: string) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  return calendar.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    return {
      summary: event.summary,
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
    };
  });
}

describe("calendar feeds over HTTP", () => {
  it("serves a team's shifts, overrides included, as iCalendar that ical.js parses", async () => {
    await desk.type("/oncall override @carol from:2026-03-11T18:00 until:2026-03-12T06:00");
    const response = await fetch(`${base}/oncall/csirt.ics?token=${feedToken(SECRET, teamFeedId("csirt"))}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    const shifts = events(await response.text());
    expect(shifts).toContainEqual({
      summary: "Bob on call",
      start: "2026-03-09T08:00:00.000Z",
      end: "2026-03-11T17:00:00.000Z",
    });
    expect(shifts).toContainEqual({
      summary: "Carol on call",
      start: "2026-03-11T17:00:00.000Z",
      end: "2026-03-12T05:00:00.000Z",
    });
  });

  it("serves a person's shifts in every team", async () => {
    const response = await fetch(
      `${base}/oncall/person/dave.ics?token=${feedToken(SECRET, personFeedId("dave"))}`,
    );
    expect(response.status).toBe(200);
    const shifts = events(await response.text());
    expect(shifts.length).toBeGreaterThan(10);
    expect(new Set(shifts.map((s) => s.summary))).toEqual(new Set(["On call: SOC"]));
  });

  it("answers a wrong or missing token exactly as an unknown feed, so neither tells who exists", async () => {
    const answer = async (path: string) => {
      const response = await fetch(`${base}${path}`);
      return `${response.status} ${await response.text()}`;
    };
    const unknown = await answer(`/oncall/nope.ics?token=${feedToken(SECRET, teamFeedId("nope"))}`);
    expect(unknown).toBe("404 not found (ask tocsin for your links: /oncall feeds)\n");
    for (const path of [
      `/oncall/csirt.ics?token=${feedToken(SECRET, teamFeedId("soc"))}`,
      "/oncall/csirt.ics",
      "/oncall/csirt.ics?token=abc",
      "/oncall/person/dave.ics?token=x",
      "/oncall/person/zed.ics?token=x",
      `/oncall/person/zed.ics?token=${feedToken(SECRET, personFeedId("zed"))}`,
      "/oncall/csirt.json",
    ]) {
      expect(await answer(path), path).toBe(unknown);
    }
  });

  it("/oncall feeds gives the caller their links, which work", async () => {
    const out = await desk.type("/oncall feeds");
    expect(out).toContain(
      "[#general · you] My shifts (Alice): https://tocsin.example.org/oncall/person/alice.ics?token=",
    );
    const link = /(https:\/\/tocsin\.example\.org\/oncall\/csirt\.ics\?token=[0-9a-f]{64})/.exec(out)?.[1];
    expect(link).toBeDefined();
    const response = await fetch(link!.replace("https://tocsin.example.org", base));
    expect(response.status).toBe(200);
  });

  it("a removed override leaves the feed; the shift it cut comes back with a higher SEQUENCE, the same on every fetch", async () => {
    const url = `${base}/oncall/soc.ics?token=${feedToken(SECRET, teamFeedId("soc"))}`;
    const thursday = async () => {
      const text = await (await fetch(url)).text();
      expect(text.endsWith("END:VCALENDAR\r\n")).toBe(true);
      const calendar = new ICAL.Component(ICAL.parse(text));
      const component = calendar
        .getAllSubcomponents("vevent")
        .find((c) => new ICAL.Event(c).startDate.toJSDate().toISOString() === "2026-03-12T07:00:00.000Z")!;
      const event = new ICAL.Event(component);
      return {
        uid: event.uid,
        end: event.endDate.toJSDate().toISOString(),
        sequence: event.sequence,
        stamp: (component.getFirstPropertyValue("dtstamp") as ICAL.Time).toJSDate().toISOString(),
      };
    };
    // Dave's day shift on Thursday 12 March, 08:00 to 20:00 Paris.
    const before = await thursday();
    expect(before).toMatchObject({ end: "2026-03-12T19:00:00.000Z", sequence: 0 });
    await desk.type("/as @dave");
    const made = await desk.type(
      "/oncall override @erin from:2026-03-12T12:00 until:2026-03-12T14:00 team:soc",
    );
    const number = /Override #(\d+)/.exec(made)?.[1];
    expect(number).toBeDefined();
    const cut = await thursday();
    expect(cut).toMatchObject({ uid: before.uid, end: "2026-03-12T11:00:00.000Z", sequence: 1 });
    desk.clock.advance(60_000);
    expect(await desk.type(`/oncall override remove ${number}`)).toContain(`Override #${number} removed`);
    const restored = await thursday();
    expect(restored).toMatchObject({ uid: before.uid, end: "2026-03-12T19:00:00.000Z", sequence: 2 });
    expect(restored.stamp).toBe(desk.clock.now().toISOString());
    desk.clock.advance(3_600_000);
    expect(await thursday()).toEqual(restored);
    await desk.type("/as @alice");
  });
});
