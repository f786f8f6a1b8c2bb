// The desk's "busy" signal (App.busy, src/lifecycle/waited-for-work.ts), which the idle-memory
// collection asks before it stalls the process: true while an alert waits for its commit, and
// once after an alert, a page delivery or a command was taken in since the last question.
import { afterEach, describe, expect, it } from "vitest";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { startOncallDesk } from "../oncall/fixture.ts";
import { signal } from "./fixture.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

describe("the desk's busy signal", () => {
  it("follows alerts, the pages they cause and commands, and is quiet once they are done", async () => {
    desk = await startOncallDesk();
    const { app } = desk;
    const { alerts, jobs, outbox } = app.services;
    app.busy(); // what starting the desk took in is not this test's work
    expect(app.busy()).toBe(false);

    // An alert waiting for its commit is pending work.
    const received = alerts.receive([signal({ dedupKey: "busy-1" })]);
    expect(app.busy()).toBe(true);
    await received;
    await alerts.idle();
    expect(app.busy()).toBe(false);

    // An alert taken in and committed between two questions still counts, once.
    await alerts.receive([signal({ dedupKey: "busy-2" })]);
    await alerts.idle();
    expect(app.busy()).toBe(true);
    expect(app.busy()).toBe(false);

    // Its page goes out through the outbox as a page delivery.
    const pagesBefore = outbox.pageSends.taken;
    await jobs.runDue();
    expect(outbox.pageSends.taken).toBeGreaterThan(pagesBefore);
    expect(outbox.pageSends.sending).toBe(false);
    expect(app.busy()).toBe(true);
    expect(app.busy()).toBe(false);

    // A command.
    await desk.type("/inc list");
    await app.settled();
    expect(app.busy()).toBe(true);
    expect(app.busy()).toBe(false);
  });
});
