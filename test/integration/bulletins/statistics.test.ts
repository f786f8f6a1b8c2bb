// Incident statistics on a seeded set of incidents whose timestamps were chosen so that every
// figure can be worked out by hand (see the comments next to each incident).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSigningKey, loadSigningKey, verifyClearSigned } from "../../../src/bulletins/signing.ts";
import { loadStatistics, parsePeriodSpec, resolvePeriod } from "../../../src/bulletins/statistics.ts";
import { ManualClock } from "../../../src/clock.ts";
import type { Status } from "../../../src/incidents/lifecycle.ts";
import { type ConsoleDesk, startConsoleDesk } from "../../support/console-desk.ts";
import { postedFile, postedFileNames, roomLines } from "../../support/console-output.ts";

const NOW = "2026-03-10T09:00:00Z";
// 7d: the current period is [03-03 09:00, 03-10 09:00), the previous [02-24 09:00, 03-03 09:00).

interface Seed {
  id: string;
  status: Status;
  severity: number;
  rsitType?: string;
  declaredAt: string;
  investigatingAt?: string;
  containedAt?: string;
  closedAt?: string;
  /** Seeds count in a TLP:GREEN report unless labelled above it or restricted. */
  tlp?: string;
  restricted?: boolean;
}

const SEEDS: Seed[] = [
  // Current period.
  // A: acknowledged after 30m, contained after 4h, closed after 1d.
  {
    id: "A",
    status: "closed",
    severity: 2,
    rsitType: "phishing",
    declaredAt: "2026-03-04T10:00Z",
    investigatingAt: "2026-03-04T10:30Z",
    containedAt: "2026-03-04T14:00Z",
    closedAt: "2026-03-05T10:00Z",
  },
  // B: acknowledged after 1h, still open.
  {
    id: "B",
    status: "investigating",
    severity: 3,
    rsitType: "phishing",
    declaredAt: "2026-03-05T08:00Z",
    investigatingAt: "2026-03-05T09:00Z",
  },
  // C: acknowledged after 10m, contained after 8h10m, closed after 2d.
  {
    id: "C",
    status: "closed",
    severity: 1,
    rsitType: "system-compromise",
    declaredAt: "2026-03-06T12:00Z",
    investigatingAt: "2026-03-06T12:10Z",
    containedAt: "2026-03-06T20:10Z",
    closedAt: "2026-03-08T12:00Z",
  },
  // D: unclassified, still in triage.
  { id: "D", status: "triage", severity: 4, declaredAt: "2026-03-09T09:00Z" },
  // E: declared in the previous period (acknowledged after 20m there), contained after 3d12h and
  // closed after 4d in the current one.
  {
    id: "E",
    status: "closed",
    severity: 2,
    rsitType: "ddos",
    declaredAt: "2026-02-28T09:00Z",
    investigatingAt: "2026-02-28T09:20Z",
    containedAt: "2026-03-03T21:00Z",
    closedAt: "2026-03-04T09:00Z",
  },
  // F and G are not counted: not an incident, and a duplicate.
  {
    id: "F",
    status: "declined",
    severity: 3,
    rsitType: "phishing",
    declaredAt: "2026-03-07T09:00Z",
    closedAt: "2026-03-07T10:00Z",
  },
  { id: "G", status: "merged", severity: 3, declaredAt: "2026-03-08T09:00Z", closedAt: "2026-03-08T09:30Z" },
  // Previous period.
  // H: acknowledged after 1h, closed after 1d.
  {
    id: "H",
    status: "closed",
    severity: 3,
    rsitType: "phishing",
    declaredAt: "2026-02-25T09:00Z",
    investigatingAt: "2026-02-25T10:00Z",
    closedAt: "2026-02-26T09:00Z",
  },
  // I: acknowledged after 40m, open.
  {
    id: "I",
    status: "investigating",
    severity: 2,
    rsitType: "infected-system",
    declaredAt: "2026-02-26T09:00Z",
    investigatingAt: "2026-02-26T09:40Z",
  },
  // J: closed from triage, then reopened (acknowledged after 6h): not closed.
  {
    id: "J",
    status: "investigating",
    severity: 3,
    declaredAt: "2026-03-02T09:00Z",
    closedAt: "2026-03-02T12:00Z",
    investigatingAt: "2026-03-02T15:00Z",
  },
  // L and M: declared in the current period, but above GREEN (L) or restricted (M): a GREEN
  // report does not count them; an AMBER one counts L, never M.
  { id: "L", status: "triage", severity: 3, declaredAt: "2026-03-09T10:00Z", tlp: "amber" },
  { id: "M", status: "triage", severity: 1, declaredAt: "2026-03-09T11:00Z", tlp: "green", restricted: true },
  // Outside both periods.
  {
    id: "K",
    status: "closed",
    severity: 1,
    rsitType: "phishing",
    declaredAt: "2026-01-10T09:00Z",
    closedAt: "2026-01-11T09:00Z",
  },
];

let desk: ConsoleDesk;

beforeAll(async () => {
  const pair = await generateSigningKey({
    name: "CERT-Test",
    passphrase: "x",
    date: new Date("2025-01-01T00:00:00Z"),
  });
  desk = await startConsoleDesk({
    clock: new ManualClock(NOW),
    bulletins: { signingKey: await loadSigningKey(pair.privateKeyArmored, "x") },
  });
  const reporter = await desk.db.prisma.person.create({ data: { displayName: "alice" } });
  const date = (value?: string) => (value ? new Date(value) : null);
  for (const [index, seed] of SEEDS.entries()) {
    await desk.db.prisma.incident.create({
      data: {
        publicId: `INC-2026-${String(index + 1).padStart(4, "0")}`,
        title: `Incident ${seed.id}`,
        status: seed.status,
        severity: seed.severity,
        rsitType: seed.rsitType ?? null,
        tlp: seed.tlp ?? "green",
        restricted: seed.restricted ?? false,
        reporterId: reporter.id,
        declaredAt: new Date(seed.declaredAt),
        investigatingAt: date(seed.investigatingAt),
        containedAt: date(seed.containedAt),
        closedAt: date(seed.closedAt),
        updatedAt: new Date(NOW),
      },
    });
  }
});

afterAll(async () => {
  await desk?.close();
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe("incident statistics", () => {
  it("count only incidents the report's label covers, never restricted ones", async () => {
    const period = resolvePeriod(parsePeriodSpec("7d")!, new Date(NOW), "UTC");
    const green = await loadStatistics(desk.db.prisma, period, "green");
    const amber = await loadStatistics(desk.db.prisma, period, "amber");
    const red = await loadStatistics(desk.db.prisma, period, "red");
    expect(amber.current.opened).toBe(green.current.opened + 1); // L
    expect(red.current.opened).toBe(amber.current.opened); // M never
  });

  it("counts, medians and breakdowns match the hand-worked figures", async () => {
    const period = resolvePeriod(parsePeriodSpec("7d")!, new Date(NOW), "UTC");
    const stats = await loadStatistics(desk.db.prisma, period, "green");
    expect(stats.current).toEqual({
      opened: 4,
      closed: 3,
      declined: 1,
      merged: 1,
      medianToAcknowledgeMs: 30 * MINUTE, // 10m, 30m, 1h
      medianToContainMs: 8 * HOUR + 10 * MINUTE, // 4h, 8h10m, 3d12h
      medianToCloseMs: 48 * HOUR, // 1d, 2d, 4d
    });
    expect(stats.previous).toEqual({
      opened: 4,
      closed: 1,
      declined: 0,
      merged: 0,
      medianToAcknowledgeMs: 50 * MINUTE, // 20m, 40m, 1h, 6h
      medianToCloseMs: 24 * HOUR,
    });
    expect(stats.byClass).toEqual([
      { classId: "fraud", className: "Fraud", opened: 2, closed: 1 },
      { classId: "intrusions", className: "Intrusions", opened: 1, closed: 1 },
      { classId: "availability", className: "Availability", opened: 0, closed: 1 },
      { classId: "unclassified", className: "Unclassified", opened: 1, closed: 0 },
    ]);
    expect(stats.bySeverity).toEqual([
      { severity: 1, opened: 1, closed: 1 },
      { severity: 2, opened: 1, closed: 2 },
      { severity: 3, opened: 1, closed: 0 },
      { severity: 4, opened: 1, closed: 0 },
    ]);
    expect(stats.perDay.map((day) => [day.day, day.opened, day.closed])).toEqual([
      ["2026-03-03", 0, 0],
      ["2026-03-04", 1, 1], // A opened, E closed
      ["2026-03-05", 1, 1],
      ["2026-03-06", 1, 0],
      ["2026-03-07", 0, 0],
      ["2026-03-08", 0, 1],
      ["2026-03-09", 1, 0],
      ["2026-03-10", 0, 0],
    ]);
  });

  it("/bulletin stats posts the report with trends, sparkline, tables, signed text and chart", async () => {
    const out = await desk.type("/bulletin stats 7d");
    const posted = roomLines(out, "#general");
    expect(posted.slice(0, 2)).toEqual(["TLP:GREEN", "== Incident statistics: 2026-03-03 – 2026-03-10 =="]);
    const text = posted.join("\n");
    expect(text).toMatch(/Compared with: +2026-02-24 – 2026-03-03 \(UTC\)/);
    expect(text).toMatch(/Opened: +4 \(→ 0% vs 4\)/);
    expect(text).toMatch(/Closed: +3 \(↑ 200% vs 1\)/);
    expect(text).toMatch(/Median time to acknowledge: +30m \(↓ 40% vs 50m\)/);
    expect(text).toMatch(/Median time to contain: +8h10m \(vs –\)|Median time to contain: +8h10m$/m);
    expect(text).toMatch(/Median time to close: +2d \(↑ 100% vs 1d\)/);
    expect(text).toMatch(/Opened per day: +▁███▁▁█▁ \(max 1\)/);
    expect(text).toMatch(/Not counted: +1 declined \(not an incident\), 1 merged \(duplicates\)/);
    expect(text).toMatch(/Fraud +2 +1/);
    expect(text).toMatch(/SEV2 \(high\) +1 +2/);
    expect(postedFileNames(out, "#general")).toEqual([
      "incident-statistics-2026-03-03.txt.asc",
      "incident-statistics-2026-03-03.svg",
    ]);
    const signed = postedFile(out, "#general", ".txt.asc");
    const verified = await verifyClearSigned(
      signed,
      desk.app.services.bulletins!.signer.key!.publicKeyArmored,
      {
        date: desk.clock.now(),
      },
    );
    expect(verified).toMatchObject({ valid: true });
    const svg = postedFile(out, "#general", ".svg");
    // One bar per day with incidents opened (4) and closed (3), each with a tooltip.
    expect(svg.match(/<rect [^>]*fill="#d9480f"><title>/g)).toHaveLength(4);
    expect(svg.match(/<rect [^>]*fill="#1971c2"><title>/g)).toHaveLength(3);
    expect(svg).toContain("<title>2026-03-04: 1 closed</title>");
  });

  it("labels on request, and the TLP gate keeps a label above the room out", async () => {
    const refused = await desk.type("/bulletin stats 7d tlp:amber");
    expect(refused).toContain(
      "⚠️ Not posted: TLP:AMBER content may not go here: this room is cleared up to TLP:GREEN.",
    );
    expect(roomLines(refused, "#general")).toEqual([]);
  });

  it("reads calendar months and explains periods it does not know", async () => {
    const out = await desk.type("/bulletin stats 2026-03");
    expect(out).toContain("== Incident statistics: 2026-03-01 – 2026-03-10 (so far) ==");
    expect(await desk.type("/bulletin stats fortnight")).toContain(
      '"fortnight" is not a period: "7d", "30d", "4w"',
    );
    expect(await desk.type("/bulletin stats 2027-01")).toContain("2027-01 has not started yet.");
  });
});
