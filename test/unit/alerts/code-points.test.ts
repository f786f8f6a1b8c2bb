// Lengths of sender text in characters (code points), as PagerDuty counts its 1,024: counted
// without building an array of every character (Array.from(text).length held 64 MB for a 4 MB
// summary: the attack review of 2026-12-01), and cut to at most that many.
import { describe, expect, it } from "vitest";
import { cut, longerThan } from "../../../src/alerts/intake/draft.ts";
import { pagerDutyEvent } from "../../../src/alerts/intake/pagerduty.ts";

const points = (text: string) => Array.from(text).length;

describe("a text's length in characters", () => {
  it("counts a surrogate pair as one character and a lone surrogate as one", () => {
    for (const text of ["", "abc", "😀😀xx", "x😀", "\ud83d", "\ude00x", "é€😀\ud800"]) {
      for (let max = 0; max <= 8; max++)
        expect(longerThan(text, max), `${JSON.stringify(text)} ${max}`).toBe(points(text) > max);
    }
  });

  it("is counted without an array of the text's characters", () => {
    const text = "x".repeat(2 * 1024 * 1024 - 1);
    const before = process.memoryUsage().heapUsed;
    expect(longerThan(text, 1024)).toBe(true);
    expect(longerThan(text.slice(0, 1500) + "😀".repeat(600), 1600)).toBe(true);
    // Array.from(text) would have made an array of 2 million elements (16 MB).
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(4 * 1024 * 1024);
  });

  it("cuts to at most max characters, with an ellipsis, never inside a pair", () => {
    expect(cut("😀😀xx", 3)).toBe("😀😀…");
    expect(cut("😀😀x", 3)).toBe("😀😀x");
    expect(cut("abcdef", 4)).toBe("abc…");
    const long = "😀".repeat(5000);
    expect(points(cut(long, 1024))).toBe(1024);
    expect(cut(long, 1024).endsWith("😀…")).toBe(true);
  });
});

describe("a PagerDuty summary", () => {
  const now = new Date("2026-12-01T00:00:00Z");
  it("is refused past 1,024 characters on a trigger, and cut on an acknowledge or resolve", () => {
    const summary = "ā".repeat(5000);
    expect(() =>
      pagerDutyEvent({ event_action: "trigger", payload: { summary, source: "s", severity: "info" } }, now),
    ).toThrow("'payload.summary' is longer than 1024 characters");
    for (const action of ["acknowledge", "resolve"]) {
      const draft = pagerDutyEvent({ event_action: action, dedup_key: "d", payload: { summary } }, now);
      expect(points(draft.summary)).toBe(1024);
    }
  });
});
