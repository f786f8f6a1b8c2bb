// ATTACK: an alert linked to a restricted incident names that incident to whoever reads the
// alert. `/alert show` adds "Incident: <id>" to the alert's content under the *alert's* label, so
// a GREEN alert linked to a restricted (or RED) incident tells any viewer that incident's id.
import { afterEach, describe, expect, it } from "vitest";
import { receive, signal } from "../integration/alerts/fixture.ts";
import { startOncallDesk } from "../integration/oncall/fixture.ts";
import type { ConsoleDesk } from "../support/console-desk.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

describe("an alert linked to a restricted incident", () => {
  it("`/alert show` names the incident only to those who may see it", async () => {
    desk = await startOncallDesk();
    await receive(desk, signal({ tlp: "green", summary: "Disk almost full on files-1" }));
    await desk.type("/as @bob");
    expect(await desk.type("/inc declare Insider copies payroll restricted:yes")).toContain("INC-2026-0001");
    expect(await desk.type("/alert link 1 INC-2026-0001")).toContain("linked to INC-2026-0001");
    // A participant still sees the link.
    expect(await desk.type("/alert show 1")).toContain("Incident: INC-2026-0001");
    // Carol, a CSIRT member who does not take part, may read the GREEN alert but not the id.
    await desk.type("/as @carol");
    expect(await desk.type("/inc show INC-2026-0001")).toContain("There is no incident");
    const shown = await desk.type("/alert show 1");
    expect(shown).toContain("Disk almost full on files-1");
    expect(shown).not.toContain("INC-2026-0001");
    // Nor does trying to declare or link again tell her which incident it is.
    expect(await desk.type("/alert declare 1")).not.toContain("INC-2026-0001");
  });

  it("`/alert show` of a GREEN alert linked to a TLP:RED incident does not name it to a viewer", async () => {
    desk = await startOncallDesk();
    await receive(desk, signal({ tlp: "green" }));
    await desk.type("/as @bob");
    await desk.type("/inc declare Board minutes leaked tlp:red");
    expect(await desk.type("/alert link 1 INC-2026-0001")).toContain("linked to INC-2026-0001");
    await desk.type("/as @erin");
    expect(await desk.type("/alert show 1")).not.toContain("INC-2026-0001");
  });
});
