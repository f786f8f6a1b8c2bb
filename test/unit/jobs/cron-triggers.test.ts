import cron from "node-cron";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.ts";
import { CronSchedule } from "../../../src/jobs/cron-time.ts";
import { CronTriggers } from "../../../src/jobs/cron-triggers.ts";
import { silentLogger } from "../../../src/logging.ts";

function triggers(clock: ManualClock) {
  const fired: string[] = [];
  const daily = {
    name: "bulletin:daily",
    schedule: CronSchedule.parse("0 8 * * *", "Europe/Berlin"),
    fire: async (fireTime: Date) => void fired.push(fireTime.toISOString()),
  };
  return { fired, cronTriggers: new CronTriggers(clock, silentLogger, [daily]) };
}

describe("cron triggers", () => {
  it("catch up the last fire time at or before now, by the injected clock", async () => {
    const clock = new ManualClock("2026-03-10T12:00:00Z");
    const { fired, cronTriggers } = triggers(clock);
    await cronTriggers.catchUp();
    expect(fired).toEqual(["2026-03-10T07:00:00.000Z"]);
  });

  it("name a wake-up by the schedule's fire time, however late it comes", async () => {
    const { fired, cronTriggers } = triggers(new ManualClock("2026-03-10T07:00:03Z"));
    await cronTriggers.wake("bulletin:daily", new Date("2026-03-10T07:00:00Z"));
    // node-cron reports a slot missed when the event loop was blocked: the same key results.
    await cronTriggers.wake("bulletin:daily", new Date("2026-03-10T07:00:02Z"));
    expect(fired).toEqual(["2026-03-10T07:00:00.000Z", "2026-03-10T07:00:00.000Z"]);
  });

  it("arm one node-cron task per trigger and remove them on stop", async () => {
    const { cronTriggers } = triggers(new ManualClock());
    const before = cron.getTasks().size;
    cronTriggers.start();
    const task = [...cron.getTasks().values()].find((candidate) => candidate.name === "bulletin:daily");
    expect(task?.getPattern()).toBe("0 8 * * *");
    expect(cron.getTasks().size).toBe(before + 1);
    await cronTriggers.stop();
    expect(cron.getTasks().size).toBe(before);
  });
});
