// What showing later signals on an alert's page costs (issue 15, point 6): under a steady
// stream of repeats every open alert gets one page job per second, so that job must be cheap.
// It decides with one read and no transaction, and a page with no post to edit (a team without
// channels: direct messages cannot be edited) costs nothing more.
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

const NO_CHANNELS = ONCALL_YAML.replace('    channels: { console: "#csirt" }\n', "").replace(
  "    repeat: 1\n    fallback: { teamChannel: csirt }\n",
  "    repeat: 1\n",
);

describe("the page job of later signals", () => {
  it("costs the job's claim, one read, the posts' read and the job's end when there is nothing to edit", async () => {
    expect(NO_CHANNELS).not.toBe(ONCALL_YAML);
    desk = await startOncallDesk({ yaml: NO_CHANNELS });
    const first = await receive(desk, signal());
    expect(pageDms(first, "bob")).toHaveLength(1);
    await desk.app.services.alerts.receive([signal({ summary: "HighErrorRate on api-gateway (now 30%)" })]);
    await desk.app.services.alerts.receive([signal({ summary: "HighErrorRate on api-gateway (now 45%)" })]);
    let out = "";
    const sent = await statementsOf(async () => {
      out = await advance(desk!, 1000);
    });
    // claim (one job), the alert and its page, the editable posts, the job's end, claim (none).
    expect(sent).toHaveLength(5);
    expect(sent.filter((s) => /^(BEGIN|COMMIT)/i.test(s))).toEqual([]);
    expect(pageDms(out, "bob")).toEqual([]);
    const job = await desk.db.prisma.job.findFirstOrThrow({ where: { key: { contains: ":sync:" } } });
    expect(job.outcome).toBe("done");
    expect(await desk.db.prisma.page.count()).toBe(1);
  });

  it("still settles the page under the alert's lock when the sender resolves it", async () => {
    desk = await startOncallDesk({ yaml: NO_CHANNELS });
    await receive(desk, signal());
    const out = await receive(desk, signal({ action: "resolve" }));
    expect(out).toContain("resolved");
    expect(await desk.db.prisma.page.findFirstOrThrow()).toMatchObject({ status: "resolved" });
  });
});
