// ATTACK: `/alert link` moved an alert already linked to a restricted incident to another
// incident, for someone who may not see the first. A CSIRT member outside a restricted
// investigation could pull its alert into their own incident (whose room then hears of its
// resolution), and the restricted incident silently lost it.
import { afterEach, describe, expect, it } from "vitest";
import { receive, signal } from "../integration/alerts/fixture.ts";
import { startOncallDesk } from "../integration/oncall/fixture.ts";
import type { ConsoleDesk } from "../support/console-desk.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

describe("relinking an alert", () => {
  it("is refused, without naming it, when the alert's incident is one the caller may not see", async () => {
    desk = await startOncallDesk();
    await receive(desk, signal({ tlp: "green" }));
    await desk.type("/as @bob");
    await desk.type("/inc declare Insider copies payroll restricted:yes");
    expect(await desk.type("/alert link 1 INC-2026-0001")).toContain("linked to INC-2026-0001");
    await desk.type("/as @carol");
    await desk.type("/inc declare Carol's own incident");
    const out = await desk.type("/alert link 1 INC-2026-0002");
    expect(out).not.toContain("linked to INC-2026-0002");
    expect(out).not.toContain("INC-2026-0001");
    const alert = await desk.db.prisma.alert.findUniqueOrThrow({ where: { number: 1 } });
    const restricted = await desk.db.prisma.incident.findUniqueOrThrow({
      where: { publicId: "INC-2026-0001" },
    });
    expect(alert.incidentId).toBe(restricted.id);
    // A participant may still move it.
    await desk.type("/as @bob");
    expect(await desk.type("/alert link 1 INC-2026-0002")).toContain("linked to INC-2026-0002");
  });
});
