// Showing later signals on alert pages (issue 15, point 6): under a steady stream of repeats
// every open alert is signalled every second, so what shows them must not cost per alert. One
// job per second shows every alert signalled in it: it reads them in one statement, finds which
// pages have posts to edit in another, and edits each of those pages once (coalesced).
import { afterEach, describe, expect, it } from "vitest";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { statementsOf } from "../../support/statements.ts";
import { advance, ONCALL_YAML, pageDms, startOncallDesk } from "../oncall/fixture.ts";
import { receive, signal } from "./fixture.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

/** CSIRT without channels: its pages are direct messages only, which cannot be edited. */
const NO_CHANNELS = ONCALL_YAML.replace('    channels: { console: "#csirt" }\n', "").replace(
  "    repeat: 1\n    fallback: { teamChannel: csirt }\n",
  "    repeat: 1\n",
);
const edits = (out: string) => out.split("\n").filter((line) => / now reads: /.test(line));

describe("showing later signals", () => {
  it("costs a few statements per second whatever the number of alerts signalled", async () => {
    expect(NO_CHANNELS).not.toBe(ONCALL_YAML);
    // Page limits out of the way, so each of the 12 alerts has a page of its own.
    desk = await startOncallDesk({
      yaml: `${NO_CHANNELS}pageLimits: { mergeWithin: 1s, perPerson: 100000, window: 1m }\n`,
    });
    const groups = Array.from({ length: 12 }, (_, i) => `group-${i}`);
    const opened = await receive(desk, ...groups.map((dedupKey) => signal({ dedupKey })));
    expect(pageDms(opened, "bob")).toHaveLength(12);
    // Three repeats of every group within the same second, as separate batches.
    for (let round = 1; round <= 3; round++)
      await desk.app.services.alerts.receive(
        groups.map((dedupKey) => signal({ dedupKey, summary: `HighErrorRate (round ${round})` })),
      );
    const showJobs = await desk.db.prisma.job.findMany({ where: { kind: "alert.show" } });
    expect(showJobs).toHaveLength(1);
    let out = "";
    const sent = await statementsOf(async () => {
      out = await advance(desk!, 1000);
    });
    // claim (one job), its key moved aside under the second's lock (a batch committing late
    // makes a job of its own: test/attack/late-batch-loses-page-edit.test.ts), the signalled
    // alerts and their pages, their editable posts (none), the job's end, claim (none left); no
    // transaction.
    expect(sent).toHaveLength(6);
    expect(sent.filter((s) => /^(BEGIN|COMMIT)/i.test(s))).toEqual([]);
    expect(pageDms(out, "bob")).toEqual([]);
    expect(await desk.db.prisma.job.findUniqueOrThrow({ where: { id: showJobs[0]!.id } })).toMatchObject({
      outcome: "done",
    });
    expect(await desk.db.prisma.page.count()).toBe(12);
  });

  it("edits each page's post once per second, showing the latest signal", async () => {
    desk = await startOncallDesk();
    await receive(desk, signal({ dedupKey: "a", tlp: "green" }), signal({ dedupKey: "b", tlp: "green" }));
    for (const n of [1, 2, 3])
      await desk.app.services.alerts.receive([
        signal({ dedupKey: "a", tlp: "green", summary: `A now ${n}` }),
        signal({ dedupKey: "b", tlp: "green", summary: `B now ${n}` }),
      ]);
    // The job's completion (advance runs it) is the barrier: nothing else is due.
    const later = await advance(desk, 1000);
    expect(edits(later)).toHaveLength(2);
    expect(pageDms(later, "bob")).toEqual([]);
    expect(await desk.type("/alert show 1")).toContain("A now 3");
    expect(await desk.type("/alert show 2")).toContain("B now 3");
    // Nothing new since: the next second shows nothing.
    expect(edits(await advance(desk, 1000))).toEqual([]);
    // A signal in a later second is shown at the end of that second.
    await desk.app.services.alerts.receive([signal({ dedupKey: "b", tlp: "green", summary: "B now 4" })]);
    expect(edits(await advance(desk, 1000))).toHaveLength(1);
  });

  it("still settles the page under the alert's lock when the sender resolves it", async () => {
    desk = await startOncallDesk({ yaml: NO_CHANNELS });
    await receive(desk, signal());
    const out = await receive(desk, signal({ action: "resolve" }));
    expect(out).toContain("resolved");
    expect(await desk.db.prisma.page.findFirstOrThrow()).toMatchObject({ status: "resolved" });
  });
});
