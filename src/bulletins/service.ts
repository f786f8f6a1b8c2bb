// The bulletins desk: subscriptions from BULLETIN_CONFIG, their cron schedules as durable jobs
// (`bulletin.publish`, one per subscription and fire time), the publish job itself, and what the
// /bulletin commands ask for (previews, on-demand statistics, manual advisories, the team key).
//
// Once per fire: each fire time is a job keyed `bulletin:<subscription>:<fire time ISO>`. node-cron
// on every replica, and the catch-up at start, enqueue that key; the unique key keeps one row,
// and the queue's lease runs it once. The job records the advisories it posted and completes in
// one transaction, so a run that crashed before committing is retried, and one that committed is
// never repeated.

import { DateTime } from "luxon";
import type { Logger } from "pino";
import { z } from "zod";
import { recordActivity } from "../activity/activity.ts";
import { actorOf, type Origin } from "../activity/origin.ts";
import type { PlatformName } from "../chat/invocation.ts";
import { context, type Message, text } from "../chat/message.ts";
import { renderPlainText } from "../chat/plain-text.ts";
import type { Destination } from "../chat/tlp-gate.ts";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/database.ts";
import { UserError } from "../errors.ts";
import type { Incidents } from "../incidents/incidents.ts";
import type { TlpLabel } from "../incidents/tlp.ts";
import { type CronTrigger, CronTriggers } from "../jobs/cron-triggers.ts";
import type { Job, JobContext, JobKind, JobQueue } from "../jobs/queue.ts";
import type { Outbox, RoomAddress, Subject } from "../outbox/outbox.ts";
import {
  type Bulletin,
  BulletinSigner,
  type DeliveryResult,
  deliverBulletin,
  digestPartLimits,
} from "./delivery.ts";
import { unreadableSourcesNotice } from "./digest.ts";
import { countByLabel, type DigestPlan, planDigest, recordHandled } from "./digest-run.ts";
import { manualAdvisory, type StatisticsBulletinOptions, statisticsBulletin } from "./on-demand.ts";
import { RecordedPostSteps, stepName } from "./post-steps.ts";
import type { BulletinSettings } from "./settings.ts";
import { describeSourceFailure, type LoadedAdvisories, loadAdvisories } from "./sources.ts";
import { type PeriodSpec, parsePeriodSpec } from "./statistics.ts";
import {
  type BulletinConfig,
  type DigestSubscription,
  EMPTY_BULLETIN_CONFIG,
  type StatsSubscription,
  type Subscription,
} from "./subscriptions.ts";

export const PUBLISH_JOB = "bulletin.publish";

export interface BulletinDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  jobs: JobQueue;
  incidents: Incidents;
  outbox: Outbox;
}

const publishPayload = z.object({
  subscriptionId: z.string(),
  /** The fire time (or the moment of an on-demand publish): the end of the period covered. */
  at: z.iso.datetime(),
});
type PublishPayload = z.output<typeof publishPayload>;

export interface PublishOutcome {
  subscriptionId: string;
  posted: number;
  withheld: number;
  parts: number;
}

export class Bulletins {
  readonly config: BulletinConfig;
  readonly signer: BulletinSigner;
  /** node-cron wake-ups; `wake()` is what node-cron calls, and tests call it too. */
  readonly triggers: CronTriggers;
  readonly #deps: BulletinDeps;
  readonly #settings: BulletinSettings;
  readonly #log: Logger;
  readonly #publishJob: JobKind<typeof publishPayload>;

  constructor(deps: BulletinDeps, settings: BulletinSettings = {}) {
    this.#deps = deps;
    this.#settings = settings;
    this.config = settings.config ?? EMPTY_BULLETIN_CONFIG;
    this.signer = new BulletinSigner(settings.signingKey);
    this.#log = deps.log.child({ component: "bulletins" });
    this.triggers = new CronTriggers(
      deps.clock,
      deps.log,
      this.subscriptions.map((subscription) => this.#trigger(subscription)),
    );
    this.#publishJob = deps.jobs.define({
      kind: PUBLISH_JOB,
      payload: publishPayload,
      handler: (job, ctx) => this.#runPublishJob(job, ctx),
    });
  }

  get subscriptions(): readonly Subscription[] {
    return this.config.subscriptions;
  }

  /**
   * Catches up each subscription's last fire time (a run missed while down runs once now; one
   * that ran already has its job row and is not repeated), then arms the cron triggers.
   */
  async start(options: { armCron: boolean }): Promise<void> {
    for (const subscription of this.subscriptions) {
      if (!this.#deps.outbox.runs(subscription.destination.platform)) {
        this.#log.warn(
          { subscription: subscription.id, platform: subscription.destination.platform },
          "bulletins for this subscription go to a platform that is not running; its runs will post nothing",
        );
      }
    }
    await this.triggers.catchUp();
    if (options.armCron) this.triggers.start();
    this.#deps.jobs.kick();
  }

  async stop(): Promise<void> {
    await this.triggers.stop();
  }

  #trigger(subscription: Subscription): CronTrigger {
    return {
      name: triggerName(subscription),
      schedule: subscription.schedule,
      fire: async (fireTime) => {
        await this.#enqueue(subscription, fireTime, fireKey(subscription, fireTime));
      },
    };
  }

  async #enqueue(subscription: Subscription, at: Date, key: string): Promise<boolean> {
    const payload = { subscriptionId: subscription.id, at: at.toISOString() } satisfies PublishPayload;
    const added = await this.#publishJob.enqueue(this.#deps.db, {
      key,
      payload,
      dueAt: at,
    });
    if (added) this.#deps.jobs.kick();
    return added;
  }

  /** Runs a subscription now, through the same job as its schedule (so replicas run it once). */
  async publishNow(subscription: Subscription, origin: Origin): Promise<void> {
    const now = this.#deps.clock.now();
    await this.#enqueue(subscription, now, `bulletin:${subscription.id}:manual:${now.toISOString()}`);
    await this.#audit(origin, "bulletin.publish", { subscription: subscription.id });
  }

  // ---- finding subscriptions and rooms ---------------------------------------------------

  subscription(id: string): Subscription | undefined {
    return this.subscriptions.find((subscription) => subscription.id === id);
  }

  /**
   * The subscription a command means: by id, by the room it posts to, or the ones posting to the
   * room the command was typed in; with one subscription configured, that one.
   */
  resolve(wanted: string | undefined, where: { platform: PlatformName; roomId: string }): Subscription[] {
    if (this.subscriptions.length === 0) {
      throw new UserError(
        "No bulletin subscriptions are configured: set BULLETIN_CONFIG to a YAML file (see examples/bulletins.yaml).",
        { code: "bulletins.not_configured" },
      );
    }
    const ids = this.subscriptions.map((subscription) => subscription.id).join(", ");
    if (wanted) {
      const byId = this.subscription(wanted.toLowerCase());
      if (byId) return [byId];
      const byRoom = this.subscriptions.filter(
        (subscription) =>
          subscription.destination.roomId === wanted && subscription.destination.platform === where.platform,
      );
      if (byRoom.length > 0) return byRoom;
      throw new UserError(`There is no subscription "${wanted}". Subscriptions: ${ids}.`, {
        code: "subscription.not_found",
      });
    }
    const here = this.subscriptions.filter(
      (subscription) =>
        subscription.destination.platform === where.platform &&
        subscription.destination.roomId === where.roomId,
    );
    if (here.length > 0) return here;
    if (this.subscriptions.length === 1) return [...this.subscriptions];
    throw new UserError(`Which subscription? None posts to this room. Subscriptions: ${ids}.`, {
      code: "subscription.unspecified",
    });
  }

  destinationOf(subscription: Subscription): Destination {
    const { platform, roomId } = subscription.destination;
    return {
      description: `${roomId} on ${platform}`,
      clearance: subscription.clearance,
      external: subscription.external,
    };
  }

  /**
   * The configured clearance of a room: a subscription's room has its own (and may be declared
   * shared outside the organisation); every other room has the file's defaultClearance (GREEN
   * unless set). One configuration for every kind of content, read by the outbox.
   */
  roomClearance(platform: PlatformName, roomId: string): { clearance: TlpLabel; external: boolean } {
    const subscription = this.subscriptions.find(
      (candidate) => candidate.destination.platform === platform && candidate.destination.roomId === roomId,
    );
    if (subscription) return { clearance: subscription.clearance, external: subscription.external };
    return { clearance: this.config.defaultClearance, external: false };
  }

  /** A subscription's room as plans see it: its configured clearance, shared if it is shared now. */
  async liveDestinationOf(subscription: Subscription): Promise<Destination> {
    const configured = this.destinationOf(subscription);
    const shared = await this.#deps.outbox.sharedOutside(subscription.destination);
    return { ...configured, external: configured.external || shared };
  }

  /** Posts a bulletin in the room a command came from, through the outbox. */
  async deliverHere(origin: Origin, bulletin: Bulletin, subject?: Subject): Promise<DeliveryResult> {
    return deliverBulletin(
      {
        outbox: this.#deps.outbox,
        room: { platform: origin.platform, roomId: origin.room.roomId },
        subject: subject ?? labelSubject(bulletin.message),
      },
      bulletin,
      this.signer,
      this.#deps.clock.now(),
    );
  }

  /** Posts a bulletin in a room (an incident's report in each of its rooms). */
  async deliverTo(room: RoomAddress, bulletin: Bulletin, subject: Subject): Promise<DeliveryResult> {
    return deliverBulletin(
      { outbox: this.#deps.outbox, room, subject },
      bulletin,
      this.signer,
      this.#deps.clock.now(),
    );
  }

  // ---- schedules ---------------------------------------------------------------------------

  nextRun(subscription: Subscription): Date | undefined {
    return subscription.schedule.next(this.#deps.clock.now());
  }

  /** The latest run of each subscription that finished (done or failed), from the job rows. */
  async lastRuns(): Promise<Map<string, { at: Date; outcome: string }>> {
    const runs = new Map<string, { at: Date; outcome: string }>();
    const jobs = await this.#deps.db.job.findMany({
      where: { kind: PUBLISH_JOB, outcome: { in: ["done", "failed"] } },
      orderBy: { finishedAt: "desc" },
      select: { payload: true, finishedAt: true, outcome: true },
      take: 500,
    });
    for (const job of jobs) {
      // A run whose payload an older version wrote differently is not one of these subscriptions'.
      const payload = publishPayload.safeParse(job.payload);
      if (!payload.success) continue;
      const { subscriptionId } = payload.data;
      if (!runs.has(subscriptionId) && job.finishedAt && job.outcome) {
        runs.set(subscriptionId, { at: job.finishedAt, outcome: job.outcome });
      }
    }
    return runs;
  }

  // ---- the publish job ---------------------------------------------------------------------

  async #runPublishJob(job: Job<PublishPayload>, ctx: JobContext): Promise<void> {
    const payload = job.payload;
    const log = this.#log.child({ subscription: payload.subscriptionId, jobKey: job.key });
    const subscription = this.subscription(payload.subscriptionId);
    if (!subscription) {
      log.warn("the subscription is no longer configured; its run is dropped");
      return;
    }
    if (!this.#deps.outbox.runs(subscription.destination.platform)) {
      log.error(
        { platform: subscription.destination.platform },
        "the platform is not running; nothing posted",
      );
      return;
    }
    const at = new Date(payload.at);
    const steps = await RecordedPostSteps.load(this.#deps.db, job.key ?? job.id, () =>
      this.#deps.clock.now(),
    );
    const outcome =
      subscription.kind === "digest"
        ? await this.#publishDigest(subscription, at, ctx, steps)
        : await this.#publishStatistics(subscription, at, ctx, steps);
    log.info({ ...outcome, at, resumedAfterSteps: steps.skipped }, "bulletin run finished");
  }

  async #publishDigest(
    subscription: DigestSubscription,
    at: Date,
    ctx: JobContext,
    steps: RecordedPostSteps,
  ): Promise<PublishOutcome> {
    const plan = await this.planDigest(subscription, at);
    const target = { outbox: this.#deps.outbox, room: subscription.destination };
    for (const [index, part] of plan.parts.entries()) {
      const numbered = plan.parts.length > 1 ? `-part${index + 1}` : "";
      const result = await deliverBulletin(
        { ...target, subject: labelSubject(part.message) },
        {
          message: part.message,
          text: part.text,
          filename: `${subscription.id}-${localDate(at, subscription)}${numbered}.txt.asc`,
          title:
            plan.parts.length > 1
              ? `Advisories digest, part ${index + 1} of ${plan.parts.length}`
              : "Advisories digest",
        },
        this.signer,
        ctx.now,
        steps,
      );
      // The plan holds only what the room may receive; a refusal means it changed meanwhile
      // (shared outside since): fail loudly rather than record the advisories as posted.
      if (!result.posted) throw new Error(`the outbox refused a planned digest: ${result.reason}`);
    }
    const notices: Message[] = [];
    if (plan.withheld.length > 0) notices.push(withheldNotice(plan));
    if (!plan.digest && plan.failedSources.length > 0) {
      notices.push(
        unreadableSourcesNotice(plan.failedSources.map(describeSourceFailure), {
          language: subscription.language,
          title: subscription.title,
          sourceCount: subscription.sources.length,
        }),
      );
    }
    for (const notice of notices) {
      await steps.run(stepName("notice", renderPlainText(notice)), () =>
        this.#deps.outbox.post(target.room, notice, { kind: "interface" }, "bulletin"),
      );
    }
    await this.#deps.db.$transaction(async (tx) => {
      await recordHandled(tx, subscription, plan, ctx.now);
      await steps.clear(tx);
      await ctx.complete(tx);
    });
    return {
      subscriptionId: subscription.id,
      posted: plan.included.length,
      withheld: plan.withheld.length,
      parts: plan.parts.length,
    };
  }

  /** What a digest run at `at` would post; writes nothing. */
  async planDigest(subscription: DigestSubscription, at: Date): Promise<DigestPlan> {
    const { platform } = subscription.destination;
    const override = this.#settings.limits?.[platform];
    const limits = this.#deps.outbox.runs(platform)
      ? digestPartLimits(platform, this.#deps.outbox.takesFiles(platform), override)
      : { maxChars: 12_000, maxBlocks: 46 };
    return planDigest(subscription, at, await this.liveDestinationOf(subscription), limits, {
      db: this.#deps.db,
      log: this.#log,
      load: this.#settings.load,
    });
  }

  async #publishStatistics(
    subscription: StatsSubscription,
    at: Date,
    ctx: JobContext,
    steps: RecordedPostSteps,
  ): Promise<PublishOutcome> {
    const spec = parsePeriodSpec(subscription.period, { scheduled: true }) as PeriodSpec;
    const bulletin = await this.statisticsBulletin(spec, {
      now: at,
      timeZone: subscription.schedule.timeZone,
      tlp: subscription.tlp,
      language: subscription.language,
      title: subscription.title,
      fileStem: `${subscription.id}-${localDate(at, subscription)}`,
    });
    const target = {
      outbox: this.#deps.outbox,
      room: subscription.destination,
      subject: labelSubject(bulletin.message),
    };
    const result = await deliverBulletin(target, bulletin, this.signer, ctx.now, steps);
    if (!result.posted) {
      // Configuration checks the label against the room; a room shared since then refuses it.
      await this.#deps.outbox.post(
        target.room,
        { blocks: [text(`🔒 The incident statistics were withheld by the TLP gate: ${result.reason}`)] },
        { kind: "interface" },
        "bulletin",
      );
    }
    await this.#deps.db.$transaction(async (tx) => {
      await steps.clear(tx);
      await ctx.complete(tx);
    });
    return {
      subscriptionId: subscription.id,
      posted: result.posted ? 1 : 0,
      withheld: result.posted ? 0 : 1,
      parts: 1,
    };
  }

  /** Loads one source now, to show what it yields (`/bulletin sources`). */
  async inspectSource(spec: string): Promise<LoadedAdvisories> {
    return loadAdvisories([spec], { ...this.#settings.load, logger: this.#log });
  }

  // ---- bulletins made on demand ------------------------------------------------------------

  async statisticsBulletin(spec: PeriodSpec, options: StatisticsBulletinOptions): Promise<Bulletin> {
    return statisticsBulletin(this.#deps.db, spec, options);
  }

  /** A manual advisory typed in chat (`/bulletin post`), with its author and date in the signed text. */
  manualAdvisory(body: string, tlp: TlpLabel, author: string): Bulletin {
    return manualAdvisory(body, tlp, author, this.#deps.clock.now());
  }

  async recordManualPost(origin: Origin, tlp: TlpLabel, characters: number): Promise<void> {
    await this.#audit(origin, "bulletin.post", { tlp, characters });
  }

  async #audit(origin: Origin, action: string, detail: Record<string, unknown>): Promise<void> {
    await recordActivity(this.#deps.db, {
      actor: actorOf(origin),
      at: this.#deps.clock.now(),
      action,
      detail,
    });
  }

  /** Checks that a room may receive a label, without posting: for previews shown in it. */
  async mayShowHere(
    origin: Origin,
    message: Message,
  ): Promise<{ allowed: true } | { allowed: false; reason: string }> {
    return this.#deps.outbox.admits(
      { platform: origin.platform, roomId: origin.room.roomId },
      labelSubject(message),
      origin.actorExternalId,
    );
  }
}

/** A bulletin is about its label; an unlabelled one is treated as TLP:AMBER (not shareable until labelled). */
function labelSubject(message: Message): Subject {
  return { kind: "label", tlp: message.tlp ?? "amber" };
}

export function triggerName(subscription: Subscription): string {
  return `bulletin:${subscription.id}`;
}

/** The job key of one fire time: the same on every replica and at catch-up. */
export function fireKey(subscription: Subscription, fireTime: Date): string {
  return `bulletin:${subscription.id}:${fireTime.toISOString()}`;
}

function localDate(at: Date, subscription: Subscription): string {
  return DateTime.fromJSDate(at, { zone: subscription.schedule.timeZone }).toISODate() ?? "";
}

function withheldNotice(plan: DigestPlan): Message {
  const count = plan.withheld.length;
  return {
    blocks: [
      text(
        `🔒 ${count} new ${count === 1 ? "advisory was" : "advisories were"} withheld from this room by TLP (${countByLabel(plan.withheld)}). ${plan.withheldReasons.join(" ")}`,
      ),
      context("Their content is not shown here; ask the team for them in a room cleared for those labels."),
    ],
  };
}
