// A configured incident prefix (TOCSIN_INCIDENT_PREFIX=CERT) end to end: ids are declared with
// it, typed explicitly from another room, shown in help and hints, and the pinned summary's own
// buttons run when clicked (their command lines typed as the clicker would send them).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleDesk, startConsoleDesk } from "../support/console-desk.ts";

let desk: ConsoleDesk;
beforeAll(async () => {
  desk = await startConsoleDesk({ incidentPrefix: "CERT" });
});
afterAll(async () => {
  await desk?.close();
});

/** The command lines of the buttons printed in `output` (`[label: /inc ...]`). */
function buttonCommands(output: string): Map<string, string> {
  return new Map([...output.matchAll(/\[([^\]:[]+): (\/inc [^\]]+)\]/g)].map((m) => [m[1]!, m[2]!]));
}

async function status(publicId: string): Promise<string> {
  return (await desk.db.prisma.incident.findUniqueOrThrow({ where: { publicId } })).status;
}

describe("a configured incident prefix", () => {
  let summary = "";

  it("names declared incidents with it", async () => {
    summary = await desk.type('/inc declare "Defaced web site" sev:2');
    expect(summary).toContain("CERT-2026-0001 declared: Defaced web site");
    expect(summary).toContain("== CERT-2026-0001: Defaced web site ==");
  });

  it("takes the id typed from another room, in any case", async () => {
    const out = await desk.type("/inc note cert-2026-0001 defacement mirrored by zone-h");
    expect(out).not.toContain("⚠️");
    expect(out).toContain("defacement mirrored by zone-h");
    const raw = await desk.type("/inc update CERT-2026-0001 Site restored from backup");
    expect(raw).not.toContain("⚠️");
    const update = await desk.db.prisma.timelineEntry.findFirst({ where: { kind: "update" } });
    expect(update?.text).toContain("Site restored from backup");
  });

  it("runs the summary's buttons: next status, I'm commander, Add me", async () => {
    const buttons = buttonCommands(summary);
    expect([...buttons.values()].every((line) => line.includes(" CERT-2026-0001"))).toBe(true);
    const next = buttons.get("→ investigating");
    expect(next).toBe("/inc status CERT-2026-0001 investigating");
    expect(await desk.type(next!)).not.toContain("⚠️");
    expect(await status("CERT-2026-0001")).toBe("investigating");

    await desk.type("/as @bob");
    const lead = await desk.type(buttons.get("I'm commander")!);
    expect(lead).toContain("bob is now commander");
    await desk.type("/as @carol");
    const join = await desk.type(buttons.get("Add me")!);
    expect(join).not.toContain("⚠️");
    await desk.type("/as @alice");
  });

  it("runs the Reopen button of a closed incident", async () => {
    await desk.type("/inc close CERT-2026-0001 restored and hardened");
    const closed = await desk.type("/inc show CERT-2026-0001");
    const reopen = buttonCommands(closed).get("Reopen");
    expect(reopen).toBe("/inc reopen CERT-2026-0001");
    expect(await desk.type(reopen!)).not.toContain("⚠️");
    expect(await status("CERT-2026-0001")).toBe("investigating");
  });

  it("merges into an id with the prefix", async () => {
    await desk.type("/inc declare Second report of the defacement");
    const out = await desk.type("/inc status CERT-2026-0002 merged CERT-2026-0001");
    expect(out).not.toContain("⚠️");
    expect(await status("CERT-2026-0002")).toBe("merged");
    const refused = await desk.type("/inc status CERT-2026-0001 merged INC-2026-0001");
    expect(refused).toContain("`/inc status merged CERT-2026-0002`");
  });

  it("shows its ids in help examples and in the hint for a missing id", async () => {
    const help = await desk.type("/inc sev help");
    expect(help).toContain("/inc sev CERT-2026-0001 high");
    expect(help).not.toMatch(/INC-\d/);
    // The hint's year is the clock's, not the machine's.
    desk.clock.set(new Date("2031-06-01T12:00:00Z"));
    const hint = await desk.type("/inc sev 1");
    expect(hint).toContain("`/inc sev CERT-2031-0001 ...`");
  });

  it("does not take an id with another prefix for an id", async () => {
    const out = await desk.type("/inc sev INC-2026-0001 1");
    expect(out).toContain("Which incident?");
  });
});
