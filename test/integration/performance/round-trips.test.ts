// SQL round trips per command (issue 14): every statement tocsin's pg clients send is one round
// trip. Counted through the real command path (intake with its claim, router, domain, outbox,
// the console platform) on a real database, with the goals as limits so that they cannot
// drift back: a note at most 4, a status change 6, a declare 10 (and list and show as today, 4).
// Each command runs three times: the median must be within the limit, and any single run within
// two more (the identity cache re-reads a Person and their identities once its 5 s are up, which
// a slow machine may hit between two commands).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleDesk, startConsoleDesk } from "../../support/console-desk.ts";

let statements = 0;
const query = pg.Client.prototype.query;

let desk: ConsoleDesk;
let serial = 0;

beforeAll(async () => {
  pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
    statements++;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  desk = await startConsoleDesk();
  // The first command of a process prepares what later ones reuse (and opens INC-2026-0001).
  await run("/inc declare Round trips warm-up sev:3");
});
afterAll(async () => {
  pg.Client.prototype.query = query;
  await desk?.close();
});

/** Statements sent while one command is handled, its answered and announced marks included. */
async function run(text: string): Promise<number> {
  const before = statements;
  await desk.app.intake.handle({
    platform: "console",
    actor: { externalId: "alice", displayName: "alice" },
    room: { roomId: "#soc", name: "#soc" },
    text,
    dedupeKey: `round-trips:${++serial}`,
    replyTarget: { platform: "console", roomId: "#soc", callerId: "alice" },
  });
  await desk.app.settled();
  return statements - before;
}

async function threeTimes(line: (i: number) => string): Promise<number[]> {
  const counts: number[] = [];
  for (let i = 0; i < 3; i++) counts.push(await run(line(i)));
  return counts;
}

function expectWithin(counts: number[], limit: number): void {
  const median = [...counts].sort((a, b) => a - b)[1]!;
  expect({ counts, median }).toEqual({ counts, median: Math.min(median, limit) });
  expect(Math.max(...counts)).toBeLessThanOrEqual(limit + 2);
}

describe("SQL round trips per command", () => {
  it("a note takes at most 4", async () => {
    expectWithin(await threeTimes((i) => `/inc note INC-2026-0001 round trip ${i}`), 4);
  });

  it("a status change takes at most 6, its pinned summary refreshed", async () => {
    const statuses = ["investigating", "contained", "eradicated"];
    expectWithin(await threeTimes((i) => `/inc status INC-2026-0001 ${statuses[i]}`), 6);
  });

  it("a declare takes at most 10, its room opened and its summary pinned", async () => {
    expectWithin(await threeTimes((i) => `/inc declare "Round trips ${i}" sev:3`), 10);
  });

  it("a list and a show take at most 4", async () => {
    expectWithin(await threeTimes(() => "/inc list"), 4);
    expectWithin(await threeTimes(() => "/inc show INC-2026-0001"), 4);
  });

  it("counts what it says: the commands did their work", async () => {
    const shown = await desk.type("/inc show INC-2026-0001");
    expect(shown).toContain("eradicated");
    expect(await desk.db.prisma.timelineEntry.count({ where: { kind: "note" } })).toBe(3);
    expect(await desk.db.prisma.incident.count()).toBe(4);
    expect(await desk.db.prisma.timelineEntry.count({ where: { announcementPending: true } })).toBe(0);
  });
});
