// Cron schedules as due job rows. node-cron wakes the process at each fire time; the fire time a
// wake-up stands for is recomputed from the schedule (cron-time.ts) and handed to the trigger,
// which enqueues a job keyed by it. So a wake-up, the catch-up at start and every replica all
// name a fire by the same key, and the job queue's unique key makes it run once.
import cron, { type ScheduledTask, type TaskContext } from "node-cron";
import type { Logger } from "pino";
import type { Clock } from "../clock.ts";
import type { CronSchedule } from "./cron-time.ts";

export interface CronTrigger {
  /** Unique among triggers, e.g. `bulletin:soc-daily`; used in logs and node-cron's task name. */
  name: string;
  schedule: CronSchedule;
  /** Enqueues the work of one fire time; must be idempotent (a job keyed by the fire time). */
  fire(fireTime: Date): Promise<void>;
}

export class CronTriggers {
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #triggers: ReadonlyMap<string, CronTrigger>;
  readonly #tasks: ScheduledTask[] = [];

  constructor(clock: Clock, log: Logger, triggers: readonly CronTrigger[]) {
    this.#clock = clock;
    this.#log = log.child({ component: "cron" });
    this.#triggers = new Map(triggers.map((trigger) => [trigger.name, trigger]));
  }

  /**
   * Fires each trigger once for its latest fire time at or before now: a run missed while the
   * process was down happens once at start, and not again on the next start (its key exists).
   */
  async catchUp(): Promise<void> {
    const now = this.#clock.now();
    for (const trigger of this.#triggers.values()) {
      const last = trigger.schedule.previous(now);
      if (last) await this.#fire(trigger, last, "catch-up");
    }
  }

  /** Arms a node-cron task per trigger. */
  start(): void {
    for (const trigger of this.#triggers.values()) {
      const onTime = (context: TaskContext) => this.wake(trigger.name, context.date);
      const task = cron.schedule(trigger.schedule.expression, onTime, {
        name: trigger.name,
        timezone: trigger.schedule.timeZone,
        noOverlap: true,
        logger: this.#nodeCronLogger(),
        // A blocked event loop makes node-cron report a slot as missed instead of running it;
        // enqueueing it is still right (and idempotent).
        suppressMissedWarning: true,
      });
      task.on("execution:missed", (context) => this.wake(trigger.name, context.date));
      this.#tasks.push(task);
    }
  }

  async stop(): Promise<void> {
    const tasks = this.#tasks.splice(0);
    await Promise.all(tasks.map((task) => task.destroy()));
  }

  /**
   * What node-cron calls at a slot (and tests, to stand in for it): resolves the slot to the
   * schedule's own fire time and fires the trigger for it.
   */
  async wake(name: string, slot: Date): Promise<void> {
    const trigger = this.#triggers.get(name);
    if (!trigger) throw new Error(`no cron trigger named ${name}`);
    const fireTime = trigger.schedule.previous(slot) ?? trigger.schedule.previous(this.#clock.now());
    if (fireTime) await this.#fire(trigger, fireTime, "schedule");
  }

  async #fire(trigger: CronTrigger, fireTime: Date, reason: "schedule" | "catch-up"): Promise<void> {
    try {
      await trigger.fire(fireTime);
      this.#log.debug({ trigger: trigger.name, fireTime, reason }, "cron fire enqueued");
    } catch (error) {
      this.#log.error({ err: error, trigger: trigger.name, fireTime, reason }, "cron fire not enqueued");
    }
  }

  #nodeCronLogger() {
    const log = this.#log;
    return {
      info: (message: string) => log.debug(message),
      warn: (message: string) => log.warn(message),
      error: (message: string | Error, err?: Error) => log.error({ err: err ?? message }, String(message)),
      debug: (message: string | Error) => log.debug(String(message)),
    };
  }
}
