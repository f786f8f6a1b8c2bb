// Hostile and random command lines at the router, through the console platform and a real
// database: no crash, no unhandled rejection, no internal error, each line answered, and the
// database consistent afterwards.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleDesk, startConsoleDesk } from "../support/console-desk.ts";
import { scaledDeadline } from "../support/waiting.ts";

let desk: ConsoleDesk;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  desk = await startConsoleDesk();
  await desk.type("/inc declare Fuzz target sev:2");
  await desk.type("/room #inc-2026-0001-fuzz-target");
});
afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await desk?.close();
});

const SUBCOMMANDS = [
  "declare",
  "status",
  "sev",
  "class",
  "tlp",
  "title",
  "role",
  "lead",
  "invite",
  "join",
  "note",
  "update",
  "timeline",
  "task",
  "tasks",
  "done",
  "list",
  "show",
  "close",
  "reopen",
  "classes",
  "help",
  "stauts",
  "",
];
const HOSTILE = [
  '\'; drop table "Incident"; --',
  "$(rm -rf /)",
  "`id`",
  "<script>alert(1)</script>",
  "{{7*7}}",
  "%s%n%x",
  "\u0000\u0001\u0007",
  "\u202eevil",
  "ﷺ",
  "👩‍💻🚨",
  "Ω≈ç√",
  "\\",
  '"',
  "'",
  "“",
  "«",
  "sev:",
  "tlp:purple",
  "class:",
  ":",
  "::",
  "INC-2026-0001",
  "INC-9999-9999",
  "inc-2026-0001",
  "@",
  "@nobody",
  "@x:y",
  "<@U123>",
  "#1",
  "0",
  "-1",
  "1e309",
  "NaN",
  "status:closed",
  'summary:"',
  "a:b:c",
  "https://x.example/a?b=c",
  "09:00",
];

const token = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 8 }),
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.constantFrom(
    "sev:1",
    "sev:4",
    "tlp:red",
    "tlp:amber+strict",
    "class:phishing",
    "investigating",
    "contained",
    "closed",
    "me",
    "@bob",
  ),
);
const commandLine = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(
        fc.constantFrom("/inc", "!inc", "/INC"),
        fc.constantFrom(...SUBCOMMANDS),
        fc.array(token, { maxLength: 6 }),
      )
      .map(([g, s, a]) => [g, s, ...a].join(" ")),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }).map((s) => `/${s}`) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }).map((s) => `/inc ${s}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      `/inc note ${"A".repeat(5000)}`,
      `/inc declare ${"x ".repeat(3000)}`,
      `/inc ${'"'.repeat(99)}`,
    ),
  },
);

describe("fuzzed command lines", () => {
  it("answer every line clearly and never break", { timeout: scaledDeadline(240_000) }, async () => {
    let lines = 0;
    await fc.assert(
      fc.asyncProperty(commandLine, async (line) => {
        lines++;
        const out = await desk.type(line);
        expect(out).not.toContain("Something went wrong");
        expect(out).not.toMatch(/\n\s+at [\w.<]+ \(/);
        // Every line gets an answer, or is console chat that is explained.
        expect(out.trim().length).toBeGreaterThan(0);
      }),
      { numRuns: 10_000, seed: 20261125 },
    );
    expect(lines).toBe(10_000);
    expect(unhandled).toEqual([]);
  });

  it("leaves the database consistent", async () => {
    const db = desk.db.prisma;
    const incidents = await db.incident.findMany({ include: { timeline: true, tasks: true } });
    for (const incident of incidents) {
      expect(incident.timeline.filter((e) => e.kind === "declared")).toHaveLength(1);
      expect(incident.severity).toBeGreaterThanOrEqual(1);
      expect(incident.severity).toBeLessThanOrEqual(4);
      expect(["clear", "green", "amber", "amber+strict", "red"]).toContain(incident.tlp);
      const numbers = incident.tasks.map((t) => t.number).sort((a, b) => a - b);
      expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    }
    expect(await db.auditEntry.count()).toBe(await db.timelineEntry.count());
    const [counter] = await db.$queryRaw<
      Array<{ last: number }>
    >`select last from "IncidentCounter" where year = 2026`;
    expect(counter?.last).toBe(incidents.length);
  });
});
