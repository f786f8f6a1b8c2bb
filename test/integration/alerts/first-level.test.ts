// A new alert's page to its first DM (issue 15, point 6: alert to page delivered p99 < 250 ms).
// The alert's page job makes the page and writes its first level (the DM rows, the next level,
// the sending) in one transaction, then sends the DM in the same job: a fixed, small number of
// statements per page. The sending is inserted already claimed by the worker that made the
// page; if that process dies between the commit and the DM, another worker sends it once the
// lease expires, and only once.
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.ts";
import { createTestDatabase, type TestDatabase } from "../../database.ts";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { statementsOf } from "../../support/statements.ts";
import { MINUTE, ONCALL_YAML, pageDms, START, startOncallDesk } from "../oncall/fixture.ts";
import { signal } from "./fixture.ts";

const desks: ConsoleDesk[] = [];
let db: TestDatabase | undefined;
afterEach(async () => {
  for (const desk of desks.splice(0)) await desk.close();
  await db?.close();
  db = undefined;
});

/** CSIRT without channels: its pages are direct messages only (as in the bench). */
const NO_CHANNELS = ONCALL_YAML.replace('    channels: { console: "#csirt" }\n', "").replace(
  "    repeat: 1\n    fallback: { teamChannel: csirt }\n",
  "    repeat: 1\n",
);

async function desk(options: { db?: TestDatabase; clock?: ManualClock; workerId?: string } = {}) {
  const started = await startOncallDesk({ yaml: NO_CHANNELS, ...options });
  desks.push(started);
  return started;
}

describe("a new alert's page", () => {
  it("is made and its first DM sent in one job, in a fixed number of statements", async () => {
    expect(NO_CHANNELS).not.toBe(ONCALL_YAML);
    const d = await desk();
    // A first page warms the identity cache, as a running tocsin's is.
    await d.app.services.alerts.receive([signal({ dedupKey: "warm-up" })]);
    await d.app.services.jobs.runDue();
    await d.printed();

    await d.app.services.alerts.receive([signal({ dedupKey: "group-2" })]);
    const sent = await statementsOf(() => d.app.services.jobs.runDue());
    expect(pageDms(await d.printed(), "bob")).toHaveLength(1);
    // claim; BEGIN, the alert's lock with its team's merge lock, the page (its twin merged or it made), who is on
    // call (overrides, the person), bob's storm lock, his recent pages with his DM row, the next
    // level and the claimed sending (one insert), the audit entry, the alert's page with its
    // job's end, COMMIT; the page still open, the DM row sent, the sending's end; claim (none left).
    // (Before: 39 statements, three transactions and three claims of jobs run one after another.)
    expect(sent).toHaveLength(16);
    // Identical pages are still ordered by the team's lock, taken with the alert's.
    expect(sent.filter((s) => /pg_advisory_xact_lock\(/.test(s))).toEqual([
      expect.stringMatching(/from "Alert" where id = \$\d+ for update/),
      expect.stringMatching(/^select pg_advisory_xact_lock/),
    ]);
    expect(sent.filter((s) => /^BEGIN/i.test(s))).toHaveLength(1);
    const jobs = await d.db.prisma.job.findMany({ orderBy: { createdAt: "asc" } });
    expect(jobs.filter((j) => j.key?.startsWith("page:2:")).map((j) => [j.key, j.outcome])).toEqual([
      ["page:2:0:1", null],
      ["page:2:deliver:0:0", "done"],
    ]);
  });

  it("is sent once by another worker when the process that made it died before sending", async () => {
    db = await createTestDatabase();
    const clock = new ManualClock(START);
    const dying = await desk({ db, clock, workerId: "dying" });
    // Killed right after the commit that made the page: nothing after it runs.
    dying.app.services.jobs.runClaimed = async () => {};
    await dying.app.services.alerts.receive([signal()]);
    expect(await dying.app.services.jobs.runDue()).toBe(1);
    expect(pageDms(await dying.printed(), "bob")).toEqual([]);
    await dying.close();
    desks.splice(desks.indexOf(dying), 1);

    // The alert's job ended with the page's commit: it does not run again.
    const open = await db.prisma.job.findFirstOrThrow({ where: { kind: "alert.page" } });
    expect(open.outcome).toBe("done");
    const deliver = await db.prisma.job.findUniqueOrThrow({ where: { key: "page:1:deliver:0:0" } });
    expect(deliver).toMatchObject({ outcome: null, leasedBy: "dying", attempts: 1 });
    expect(await db.prisma.pageDelivery.findMany({ select: { target: true, state: true } })).toEqual([
      { target: "bob", state: "pending" },
    ]);

    const survivor = await desk({ db, clock, workerId: "survivor" });
    // Leased by the dead worker: not run before its lease expires.
    expect(await survivor.app.services.jobs.runDue()).toBe(0);
    clock.advance(MINUTE + 1);
    expect(await survivor.app.services.jobs.runDue()).toBe(1);
    expect(pageDms(await survivor.printed(), "bob")).toHaveLength(1);
    expect(await survivor.app.services.jobs.runDue()).toBe(0);
    expect(await db.prisma.pageDelivery.findMany({ select: { target: true, state: true } })).toEqual([
      { target: "bob", state: "sent" },
    ]);
    // The next level kept its time: due from when the page was made, not from the late DM.
    const next = await db.prisma.job.findUniqueOrThrow({ where: { key: "page:1:0:1" } });
    expect(next.dueAt).toEqual(new Date(new Date(START).getTime() + 5 * MINUTE));
  });

  it("is made once when the process died before its commit: the job runs again", async () => {
    db = await createTestDatabase();
    const clock = new ManualClock(START);
    const dying = await desk({ db, clock, workerId: "dying" });
    // Killed inside the transaction, while inserting the level's jobs: it rolls back.
    await dying.app.services.alerts.receive([signal()]);
    await db.prisma.$executeRaw`
      create function fail_page_jobs() returns trigger language plpgsql as $$
      begin raise exception 'killed'; end $$`;
    await db.prisma.$executeRaw`
      create trigger fail_page_jobs before insert on "Job"
         for each row when (new.key like 'page:%') execute function fail_page_jobs()`;
    expect(await dying.app.services.jobs.runDue()).toBe(1);
    expect(await db.prisma.page.count()).toBe(0);
    expect(pageDms(await dying.printed(), "bob")).toEqual([]);
    await db.prisma.$executeRaw`drop trigger fail_page_jobs on "Job"`;
    await dying.close();
    desks.splice(desks.indexOf(dying), 1);

    const survivor = await desk({ db, clock, workerId: "survivor" });
    clock.advance(MINUTE + 1);
    expect(await survivor.app.services.jobs.runDue()).toBe(1);
    expect(pageDms(await survivor.printed(), "bob")).toHaveLength(1);
    expect(await db.prisma.page.count()).toBe(1);
    expect(await db.prisma.pageDelivery.count()).toBe(1);
    expect(await survivor.app.services.jobs.runDue()).toBe(0);
  });
});
