// The shipped examples/bulletins.yaml, as a user runs it from a fresh clone: it reads only the
// sample data in the repository, and its morning digest lists the actively exploited KEV
// entries, which carry no CVSS score, despite its minimum score.
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { loadBulletinConfig } from "../../../src/bulletins/subscriptions.ts";
import { ManualClock } from "../../../src/clock.ts";
import { type ConsoleDesk, startConsoleDesk } from "../../support/console-desk.ts";
import { roomLines } from "../../support/console-output.ts";

const EXAMPLE = fileURLToPath(new URL("../../../examples/bulletins.yaml", import.meta.url));

let desk: ConsoleDesk | undefined;

afterAll(async () => {
  await desk?.close();
  await desk?.db.close();
});

describe("examples/bulletins.yaml", () => {
  it("posts a digest with the bundled KEV entries in it", async () => {
    const config = await loadBulletinConfig(EXAMPLE);
    const socDaily = config.subscriptions.find((subscription) => subscription.id === "soc-daily");
    expect(socDaily?.kind === "digest" && socDaily.filters.minCvss).toBe(7);
    // Tuesday 2025-08-26, 08:30 in Berlin: the morning after the KEV sample's release.
    desk = await startConsoleDesk({ clock: new ManualClock("2025-08-26T06:30:00Z"), bulletins: { config } });
    await desk.app.services.jobs.runDue();
    const soc = roomLines(await desk.printed(), "#soc").join("\n");
    expect(soc).toContain("Security advisories digest");
    expect(soc).not.toMatch(/could not be read|No new advisories/);
    // KEV entries added in the week before the run, each marked as exploited.
    expect(soc).toContain("CVE-2025-48384: Git Link Following Vulnerability");
    expect(soc).toContain("in CISA KEV since 2025-08-25");
    expect(soc.match(/in CISA KEV since/g)?.length).toBeGreaterThanOrEqual(5);
  });
});
