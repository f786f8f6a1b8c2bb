// What people see of alerts: one page per alert, updated in place by later signals; ack both
// ways (the alert and its page); a resolved alert resolves its page and says so in a linked
// incident's room; silence; the TLP gate; who may act.
import { afterEach, describe, expect, it } from "vitest";
import { alertList } from "../../../src/alerts/alert-messages.ts";
import { decide } from "../../../src/outbox/audience.ts";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { advance, MINUTE, pageDms, startOncallDesk } from "../oncall/fixture.ts";
import { receive, signal } from "./fixture.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

const lines = (out: string, prefix: string) => out.split("\n").filter((line) => line.startsWith(prefix));

describe("an alert's page", () => {
  it("is posted once, and later signals edit its post instead of posting or paging again", async () => {
    desk = await startOncallDesk();
    const first = await receive(desk, signal({ tlp: "green" }));
    expect(pageDms(first, "bob")).toEqual([
      "[DM @bob] 📟 Page #1 from tocsin: Alert #1 from prometheus · SEV2 (high)",
    ]);
    expect(first).toContain("[DM @bob] 🔔 HighErrorRate on api-gateway");
    expect(first).toContain(
      "[DM @bob] [Ack: /oncall ack 1]  [Resolve: /oncall resolve 1]  [Declare incident: /alert declare 1]  [Link to incident: /alert link 1]",
    );
    // A GREEN alert may go to the team's channel (cleared for GREEN): summary, labels, links.
    expect(first).toContain("[#csirt] 📟 Page #1 to CSIRT on-call: Alert #1 from prometheus · SEV2 (high)");
    expect(first).toContain("[#csirt]   (Labels: instance=api-1:9100 · alertname=HighErrorRate)");

    await desk.app.services.alerts.receive([
      signal({ tlp: "green", summary: "HighErrorRate on api-gateway (now 30%)" }),
    ]);
    await desk.app.services.alerts.receive([
      signal({ tlp: "green", summary: "HighErrorRate on api-gateway (now 45%)" }),
    ]);
    const later = await advance(desk, 1000);
    expect(lines(later, "[#csirt]")).toEqual([
      expect.stringMatching(/^\[#csirt\] \(message .+ now reads: TLP:GREEN\)$/),
    ]);
    expect(pageDms(later, "bob")).toEqual([]);
    const post = await desk.db.prisma.pageDelivery.findFirstOrThrow({ where: { kind: "channel" } });
    expect(post.state).toBe("sent");
    expect(await desk.db.prisma.page.count()).toBe(1);
    expect(await desk.type("/alert show 1")).toContain("🔔 HighErrorRate on api-gateway (now 45%)");
  });

  it("keeps an AMBER alert's content out of a channel cleared for GREEN, and out of a GREEN room's list", async () => {
    desk = await startOncallDesk();
    const out = await receive(
      desk,
      signal({ summary: "Beaconing from host fin-ws-12", labels: { host: "fin-ws-12" } }),
    );
    expect(lines(out, "[#csirt]")).toEqual([
      "[#csirt] 🔒 Something was withheld here: TLP:AMBER content may not be shown to this audience (this room is cleared up to TLP:GREEN).",
    ]);
    expect(out).not.toMatch(/\[#csirt\].*fin-ws-12/);
    // The on-call's DM (a person inside the organisation) gets it whole.
    expect(out).toContain("[DM @bob] 🔔 Beaconing from host fin-ws-12");
    // `/alert list` is rendered per audience: a GREEN room gets the row withheld and counted.
    await receive(desk, signal({ dedupKey: "g", summary: "Disk almost full on backup-1", tlp: "green" }));
    const list = alertList(await desk.app.services.alerts.actions.open(), "UTC", desk.clock.now());
    const decision = decide({ kind: "room", clearance: "green", external: false }, list.about);
    expect(decision.action).toBe("filter");
    const visible = decision.action === "filter" ? decision.visible : [];
    const shown = JSON.stringify(
      list.content.render(visible, decision.action === "filter" ? decision.withheld : 0),
    );
    expect(shown).toContain("Disk almost full on backup-1");
    expect(shown).not.toContain("fin-ws-12");
    expect(shown).toContain("1 more alert withheld by TLP here");
  });
});

describe("acknowledging", () => {
  it("acking the page acks the alert, and acking the alert acks its page", async () => {
    desk = await startOncallDesk();
    // One at a time, so alert #n has page #n.
    await receive(desk, signal({ dedupKey: "a" }));
    await receive(desk, signal({ dedupKey: "b", summary: "second" }));
    await desk.type("/as @bob");
    expect(await desk.type("/oncall ack 1")).toContain("You acknowledged page #1");
    expect(await desk.db.prisma.alert.findUniqueOrThrow({ where: { number: 1 } })).toMatchObject({
      status: "acked",
    });

    const acked = await desk.type("/alert ack 2");
    expect(acked).toContain("✅ You acknowledged alert #2.");
    expect(acked).toContain("[DM @bob] ✅ Page #2 acknowledged by Bob");
    expect(await desk.db.prisma.page.findUniqueOrThrow({ where: { number: 2 } })).toMatchObject({
      status: "acked",
    });
    // Escalation stopped for both: nothing is paged at level 2.
    expect(pageDms(await advance(desk, 10 * MINUTE), "alice")).toEqual([]);
    expect(await desk.type("/alert ack 2")).toContain("Alert #2 was already acknowledged.");
    expect(await desk.type("/alert list")).toMatch(/2 +acked/);
  });

  it("refuses someone neither paged nor on the alert's team, with the rule spelled out", async () => {
    desk = await startOncallDesk();
    await receive(desk, signal());
    await desk.type("/as @erin");
    expect(await desk.type("/alert ack 1")).toContain(
      "Only the people paged (Bob), members and leads of CSIRT may acknowledge alert #1.",
    );
    expect(await desk.type("/alert resolve 1")).toContain("may resolve alert #1.");
    expect(await desk.db.prisma.alert.findUniqueOrThrow({ where: { number: 1 } })).toMatchObject({
      status: "firing",
    });
    // A member of the team who was not paged may.
    await desk.type("/as @carol");
    expect(await desk.type("/alert ack 1")).toContain("✅ You acknowledged alert #1.");
  });
});

describe("resolving", () => {
  it("resolves the page, says so, and posts a line in the linked incident's room", async () => {
    desk = await startOncallDesk();
    await receive(desk, signal());
    await desk.type("/as @bob");
    await desk.type('/inc declare "API errors" sev:2');
    expect(await desk.type("/alert link 1 INC-2026-0001")).toContain("🔗 Alert #1 linked to INC-2026-0001.");
    const out = await receive(desk, signal({ action: "resolve" }));
    expect(out).toContain("[DM @bob] ✅ Page #1 resolved by its sender at 2026-03-10 09:00 UTC.");
    expect(out).toContain(
      "[INC-2026-0001] ✅ Alert #1 resolved by its sender at 2026-03-10 09:00 UTC: HighErrorRate on api-gateway",
    );
    expect(await desk.db.prisma.page.findUniqueOrThrow({ where: { number: 1 } })).toMatchObject({
      status: "resolved",
    });

    // Resolving by hand (/alert resolve) does the same, naming who.
    await receive(desk, signal({ dedupKey: "b", summary: "second" }));
    await desk.type("/alert link 2 INC-2026-0001");
    const byHand = await desk.type("/alert resolve 2");
    expect(byHand).toContain("✅ You resolved alert #2.");
    expect(byHand).toContain("[INC-2026-0001] ✅ Alert #2 resolved by Bob");
    expect(await desk.type("/alert resolve 2")).toContain("Alert #2 is already resolved.");
  });
});

describe("silence", () => {
  it("stops the page; triggers while silenced page nobody; a trigger after it pages again", async () => {
    desk = await startOncallDesk();
    await receive(desk, signal());
    await desk.type("/as @bob");
    const silenced = await desk.type("/alert silence 1 for:30m");
    expect(silenced).toContain("🔕 Alert #1 silenced until");
    expect(silenced).toContain("[DM @bob] ✅ Page #1 acknowledged by Bob");
    // Escalation stopped: alice is not paged at level 2.
    expect(pageDms(await advance(desk, 10 * MINUTE), "alice")).toEqual([]);
    // A trigger while silenced: its job runs and pages nobody (the job's completion is the barrier).
    await desk.app.services.alerts.receive([signal({ summary: "again" })]);
    const quiet = await advance(desk, 1000);
    expect(pageDms(quiet, "bob")).toEqual([]);
    expect(
      await desk.db.prisma.job.count({
        where: { kind: { in: ["alert.page", "alert.show"] }, outcome: null },
      }),
    ).toBe(0);
    expect(await desk.db.prisma.page.count()).toBe(1);

    desk.clock.advance(20 * MINUTE);
    await desk.app.services.alerts.receive([signal({ summary: "and again" })]);
    const loud = await advance(desk, 1000);
    expect(pageDms(loud, "bob")).toEqual([
      "[DM @bob] 📟 Page #2 from tocsin: Alert #1 from prometheus · SEV2 (high)",
    ]);
    expect(await desk.type("/alert silence 1 for:9w")).toContain(
      "Silence an alert for a minute up to 7 days",
    );
  });
});
