// ATTACK (lost update): later signals are shown by one job per second for every alert,
// `alerts:show:<second>`, which reads the alerts signalled in that second. A batch whose `now`
// falls in the second but that commits after the job read (a slow statement, a row lock, a
// busy database) found the job's key taken (`on conflict do nothing`: done rows keep their key)
// and made no job: its alert's page never showed that signal. With one key per alert and
// second this needed two signals of the same alert; with one key for all alerts, any other
// alert signalled in that second was enough.
import { afterEach, describe, expect, it } from "vitest";
import { receive, signal } from "../integration/alerts/fixture.ts";
import { startOncallDesk } from "../integration/oncall/fixture.ts";
import type { ConsoleDesk } from "../support/console-desk.ts";
import { until } from "../support/waiting.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

/** Backends of this database waiting for a lock (a row's or an advisory one). */
async function waitingForLocks(d: ConsoleDesk): Promise<number> {
  const [row] = await d.db.prisma.$queryRaw<Array<{ n: number }>>`
    select count(*)::int as n from pg_stat_activity
     where datname = current_database() and wait_event_type = 'Lock'`;
  return row?.n ?? 0;
}

describe("a batch that commits after its second's show job read", () => {
  it("still has its alert's page show the signal", async () => {
    const d = await startOncallDesk();
    desk = d;
    await receive(d, signal({ dedupKey: "x", tlp: "green", summary: "X first" }));
    await receive(d, signal({ dedupKey: "y", tlp: "green", summary: "Y first" }));
    const yAlert = await d.db.prisma.alert.findFirstOrThrow({ where: { dedupKey: "y" } });
    const yPost = await d.db.prisma.pageDelivery.findFirstOrThrow({
      where: { pageId: yAlert.pageId ?? "", kind: "channel", state: "sent" },
    });

    // Another alert's later signal in a second of its own: that second's show job exists.
    d.clock.advance(1100);
    await d.app.services.alerts.receive([signal({ dedupKey: "x", tlp: "green", summary: "X second" })]);
    await d.printed();

    // Y's later signal in the same second, held up at its alert's row until released.
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked: () => void = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holding = d.db.prisma.$transaction(
      async (tx) => {
        await tx.$queryRaw`select id from "Alert" where id = ${yAlert.id} for update`;
        locked();
        await released;
      },
      { timeout: 120_000 },
    );
    await isLocked;
    const yReceived = d.app.services.alerts.receive([
      signal({ dedupKey: "y", tlp: "green", summary: "Y second" }),
    ]);
    await until(async () => (await waitingForLocks(d)) >= 1 || undefined, "Y's batch waiting on the row");

    // The second ends; its show job runs while Y's batch has not committed. (It may wait for
    // that batch instead: then a second backend waits on a lock.)
    d.clock.advance(900);
    let showRan = false;
    const show = d.app.services.jobs.runDue().then(() => {
      showRan = true;
    });
    await until(
      async () => showRan || (await waitingForLocks(d)) >= 2 || undefined,
      "the show job to run or to wait for Y's batch",
    );
    release();
    await Promise.all([holding, yReceived, show]);
    await d.printed();

    // Whatever runs next shows Y's second signal.
    d.clock.advance(2000);
    await d.app.services.jobs.runDue();
    const after = await d.printed();
    const yEdits = after.split("\n").filter((line) => line.includes(`(message ${yPost.messageId} now reads`));
    expect(yEdits.length).toBeGreaterThan(0);
    expect(await d.type("/alert show 2")).toContain("Y second");
  });
});
