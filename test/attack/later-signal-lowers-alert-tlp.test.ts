// ATTACK: a later signal of an open alert replaced its TLP label. The first trigger came as
// TLP:RED with its source; a retrigger without a label (the integration's GREEN) made the alert
// GREEN while it kept the RED signal's source (sources carry over), so `/alert show` in an
// ordinary room, cleared for GREEN, told it to anyone. An alert's label only ever rises.
import { afterEach, describe, expect, it } from "vitest";
import { receive, signal } from "../integration/alerts/fixture.ts";
import { startOncallDesk } from "../integration/oncall/fixture.ts";
import type { ConsoleDesk } from "../support/console-desk.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

describe("an open alert's label", () => {
  it("is not lowered by a later signal of the same alert", async () => {
    desk = await startOncallDesk();
    await receive(desk, signal({ tlp: "red", source: "https://hr-laptop-of-j-doe.corp", summary: "x" }));
    const { source: _, ...unlabelled } = signal({ tlp: "green", summary: "Disk full" });
    await receive(desk, unlabelled);
    const alert = await desk.db.prisma.alert.findUniqueOrThrow({ where: { number: 1 } });
    expect(alert.signalCount).toBe(2);
    expect(alert.tlp).toBe("red");
    await desk.type("/as @carol");
    expect(await desk.type("/alert show 1")).not.toContain("hr-laptop-of-j-doe");
  });
});
