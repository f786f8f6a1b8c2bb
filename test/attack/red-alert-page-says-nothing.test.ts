// ATTACK (availability): a TLP:RED alert's page DM carried the alert's content under its label,
// and no reader outside an incident's own room may get TLP:RED, so the on-call person was sent
// only "Something was withheld here": no page number, no alert number, no Ack button. Escalation
// ran on while the person paged could not tell what for. The page must still page: its id-free
// parts (page, alert number, source, severity, buttons) go, the RED content does not.
import { afterEach, describe, expect, it } from "vitest";
import { receive, signal } from "../integration/alerts/fixture.ts";
import { startOncallDesk } from "../integration/oncall/fixture.ts";
import type { ConsoleDesk } from "../support/console-desk.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

describe("a TLP:RED alert's page", () => {
  it("reaches the on-call person as a page they can act on, without the RED content", async () => {
    desk = await startOncallDesk();
    const out = await receive(
      desk,
      signal({ tlp: "red", summary: "Mail of J. Doe forwarded out", labels: { user: "j.doe" } }),
    );
    const dm = out
      .split("\n")
      .filter((line) => line.startsWith("[DM @bob]"))
      .join("\n");
    expect(dm).toContain("Page #1");
    expect(dm).toContain("Alert #1");
    expect(dm).toContain("/oncall ack 1");
    expect(out).not.toContain("J. Doe");
    expect(out).not.toContain("j.doe");
    await desk.type("/as @bob");
    expect(await desk.type("/oncall ack 1")).toContain("acknowledged");
  });
});
