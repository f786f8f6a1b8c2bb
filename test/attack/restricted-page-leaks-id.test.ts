// ATTACK: a TLP:RED incident's id leaves its own rooms through paging. Page messages are sent
// with a Subject derived from the message's label (paging.ts pageSubject): incidentLine() drops
// the label when it withholds a RED title, and the declared page's own text is
// "<id> declared, SEV1", so the outbox sees `interface` and sends the id to a team's fallback
// channel (an ordinary room) and to on-call people who do not take part in the incident.
import { afterEach, describe, expect, it } from "vitest";
import { advance, MINUTE, startOncallDesk } from "../integration/oncall/fixture.ts";
import type { ConsoleDesk } from "../support/console-desk.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

const linesIn = (out: string, room: string) => out.split("\n").filter((l) => l.startsWith(`[${room}]`));

describe("paging a TLP:RED incident", () => {
  it("the fallback team channel (an ordinary room) is never told the RED incident's id", async () => {
    desk = await startOncallDesk();
    const declared = await desk.type("/inc declare Leaked board minutes sev:1 tlp:red team:soc");
    expect(declared).toContain("INC-2026-0001 declared");
    // soc-standard: one level of 5 minutes, then the fallback posts in #soc.
    const out = await advance(desk, 5 * MINUTE);
    const soc = linesIn(out, "#soc");
    expect(soc.join("\n")).toContain("Page #1 was not acknowledged"); // the fallback did run
    expect(soc.join("\n")).not.toContain("INC-2026-0001");
    // Acknowledging it edits the channel's post: the edit says no more than the post did.
    const paged = declared.includes("[DM @erin]") ? "erin" : "dave";
    await desk.type(`/as @${paged}`);
    const acked = await desk.type("/ack 1");
    expect(acked).toContain("acknowledged");
    const socAfter = linesIn(acked, "#soc").join("\n");
    expect(socAfter).not.toContain("INC-2026-0001");
    expect(socAfter).not.toContain("Leaked board minutes");
  });

  it("the page DM's id is no oracle: paging names the on-call person a recipient", async () => {
    desk = await startOncallDesk();
    const declared = await desk.type("/inc declare Leaked board minutes sev:1 tlp:red team:soc");
    const dms = declared.split("\n").filter((l) => /^\[DM @(erin|dave)\]/.test(l));
    expect(dms.length).toBeGreaterThan(0); // the on-call was paged
    expect(dms.join("\n")).not.toContain("Leaked board minutes"); // no RED title in a DM line
    // The review found the DM named an incident the paged person could not see (an existence
    // oracle). Decision: paging someone about an incident makes them take part, so the id they
    // are given is theirs to use.
    const paged = dms[0]!.startsWith("[DM @erin]") ? "erin" : "dave";
    await desk.type(`/as @${paged}`);
    const show = await desk.type("/inc show INC-2026-0001");
    expect(show).not.toContain("There is no incident");
    expect(show).toContain("INC-2026-0001: Leaked board minutes");
    // Someone neither paged nor taking part still finds nothing.
    await desk.type("/as @carol");
    expect(await desk.type("/inc show INC-2026-0001")).toContain("There is no incident INC-2026-0001");
  });
});
