// The post-incident report of an incident closed, reopened and closed again: phases are read from
// the status changes on the timeline in order, so each stay in a phase is its own row and the
// report shows the last close.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.ts";
import { type ConsoleDesk, startConsoleDesk } from "../support/console-desk.ts";
import { postedFile, roomLines } from "../support/console-output.ts";

const ROOM = "#inc-2026-0001-vpn-brute-force";
const MINUTE = 60_000;

let desk: ConsoleDesk;

beforeAll(async () => {
  desk = await startConsoleDesk({ clock: new ManualClock("2026-03-10T09:00:00Z") });
  await desk.type("/inc declare VPN brute force sev:3 class:brute-force");
  await desk.type(`/room ${ROOM}`);
  desk.clock.advance(10 * MINUTE);
  await desk.type("/inc status investigating");
  desk.clock.advance(50 * MINUTE);
  await desk.type("/inc close source blocked");
  desk.clock.advance(120 * MINUTE);
  await desk.type("/inc reopen the attempts came back from new addresses");
  desk.clock.advance(30 * MINUTE);
  await desk.type("/inc status contained");
  desk.clock.advance(90 * MINUTE);
  await desk.type("/inc close ranges blocked for good");
  desk.clock.advance(60 * MINUTE);
});

afterAll(async () => {
  await desk?.close();
});

describe("/inc report after a reopen", () => {
  it("has a row per stay in a phase, each left after it was entered, and the last close", async () => {
    const out = await desk.type("/inc report");
    // The console wraps long field values at 100 columns: read the field as one line.
    const shown = roomLines(out, "INC-2026-0001").join(" ").replace(/\s+/g, " ");
    expect(shown).toContain(
      "Phases: Triage 10m → Investigating 50m → Closed 2h → Investigating 30m → Contained 1h30m",
    );
    const report = postedFile(out, "INC-2026-0001", "post-incident-report");
    expect(report).toContain(
      [
        "| Phase | Entered | Left | Time in phase |",
        "|---|---|---|---|",
        "| Triage | 2026-03-10 09:00 UTC | 2026-03-10 09:10 UTC | 10m |",
        "| Investigating | 2026-03-10 09:10 UTC | 2026-03-10 10:00 UTC | 50m |",
        "| Closed | 2026-03-10 10:00 UTC | 2026-03-10 12:00 UTC | 2h |",
        "| Investigating | 2026-03-10 12:00 UTC | 2026-03-10 12:30 UTC | 30m |",
        "| Contained | 2026-03-10 12:30 UTC | 2026-03-10 14:00 UTC | 1h30m |",
      ].join("\n"),
    );
    expect(report).toContain("| Closed | 2026-03-10 14:00 UTC |");
    expect(report).toContain("| Duration | 5h |");
  });
});
