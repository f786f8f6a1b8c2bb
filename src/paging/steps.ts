// Walking a page's plan: the durable jobs that page one level after another until someone
// responds or every level went unanswered (see paging.ts), skipping levels that reach nobody,
// and the sending of each level's deliveries as a job of its own.
import type { Logger } from "pino";
import { z } from "zod";
import { recordActivity } from "../activity/activity.ts";
import type { Db, DbTransaction } from "../db/database.ts";
import { rows } from "../db/rows.ts";
import { sql } from "../db/statement.ts";
import type { Page, PageDelivery, Person } from "../generated/prisma/client.ts";
import type { Incidents } from "../incidents/incidents.ts";
import {
  type ClaimedJob,
  insertJobRows,
  type Job,
  type JobContext,
  type JobKind,
  type JobQueue,
} from "../jobs/queue.ts";
import type { OncallDirectory } from "../oncall/directory.ts";
import type { PageDeliveries, Reach } from "./deliveries.ts";
import type { PageContext } from "./messages.ts";
import type { FirstStep, PageBody, PageHooks, PagingOptions, WarmDelivery } from "./model.ts";
import {
  deliverKey,
  describePosition,
  type EscalationPlan,
  escalationPlanSchema,
  exhaustedKey,
  nextStep,
  type PlanTarget,
  stepKey,
  timeSkipReason,
  waitBefore,
} from "./plan.ts";

export const PAGE_STEP_JOB = "paging.step";
export const PAGE_EXHAUSTED_JOB = "paging.exhausted";
export const PAGE_DELIVER_JOB = "paging.deliver";

const stepPayload = z.object({ pageId: z.string(), round: z.number().int(), level: z.number().int() });
type StepPayload = z.output<typeof stepPayload>;
const exhaustedPayload = z.object({ pageId: z.string() });
const deliverPayload = z.object({
  pageId: z.string(),
  round: z.number().int(),
  level: z.number().int(),
  recipientIds: z.array(z.string()),
  nobodyReason: z.string().optional(),
  escalatesAt: z.iso.datetime().optional(),
  /** The next step, hurried when no DM of this one could be delivered. */
  nextKey: z.string().optional(),
});
type DeliverPayload = z.output<typeof deliverPayload>;

/** What a level's sending job is told: the same for a first level and for a step job's level. */
function deliverPayloadOf(
  level: {
    page: Page;
    round: number;
    level: number;
    recipients: readonly Person[];
    nobodyReason: string | undefined;
    skipped: string | undefined;
    nextKey: string;
  },
  timing: { escalatesAt: Date | undefined },
): DeliverPayload {
  return {
    pageId: level.page.id,
    round: level.round,
    level: level.level,
    recipientIds: level.recipients.map((person) => person.id),
    nobodyReason: level.nobodyReason,
    escalatesAt: timing.escalatesAt?.toISOString(),
    // A skipped level's next step is already due: nothing to hurry.
    nextKey: level.skipped ? undefined : level.nextKey,
  };
}

export class EscalationSteps {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #jobs: JobQueue;
  readonly #directory: OncallDirectory;
  readonly #incidents: Incidents;
  readonly #timeZone: string;
  readonly #deliveries: PageDeliveries;
  readonly #hooks: PageHooks;
  readonly #stepJob: JobKind<typeof stepPayload>;
  readonly #exhaustedJob: JobKind<typeof exhaustedPayload>;
  readonly #deliverJob: JobKind<typeof deliverPayload>;
  /** Sendings started by startFirst, by job id: what they need without reading it again. */
  readonly #warm = new Map<string, WarmDelivery>();

  constructor(options: PagingOptions, deliveries: PageDeliveries, hooks: PageHooks) {
    this.#hooks = hooks;
    this.#db = options.db;
    this.#log = options.log.child({ component: "paging" });
    this.#jobs = options.jobs;
    this.#directory = options.directory;
    this.#incidents = options.incidents;
    this.#timeZone = options.timeZone;
    this.#deliveries = deliveries;
    this.#stepJob = this.#jobs.define({
      kind: PAGE_STEP_JOB,
      payload: stepPayload,
      handler: (job, ctx) => this.#runStep(job, ctx),
    });
    this.#exhaustedJob = this.#jobs.define({
      kind: PAGE_EXHAUSTED_JOB,
      payload: exhaustedPayload,
      handler: (job, ctx) => this.#runExhausted(job, ctx),
    });
    this.#deliverJob = this.#jobs.define({
      kind: PAGE_DELIVER_JOB,
      payload: deliverPayload,
      handler: (job, ctx) => this.#deliver(job, ctx),
    });
  }

  /** In the transaction that makes the page: its first step, due at once. */
  async enqueueFirst(tx: DbTransaction, page: Page, now: Date): Promise<void> {
    await this.#stepJob.enqueue(tx, {
      key: stepKey(page.number, 0, 0),
      payload: { pageId: page.id, round: 0, level: 0 },
      dueAt: now,
    });
  }

  /**
   * A new page's first level, in the transaction that makes the page (an alert's page job), so
   * making the page, writing the level's deliveries, scheduling the next level and enqueueing the
   * sending commit together: the same rows and jobs #runStep writes, without its job, its reads
   * of the page and its own transactions. The sending is inserted claimed by this worker and run
   * by `startFirst` after the commit; if this process dies in between, its lease expires and any
   * worker sends what is still pending, once (the delivery rows say what was sent).
   */
  async firstInTransaction(tx: DbTransaction, page: Page, now: Date, body?: PageBody): Promise<FirstStep> {
    const plan = escalationPlanSchema.parse(page.plan);
    const round = 0;
    const level = 0;
    const step = plan.levels[level];
    if (!step) throw new Error(`page #${page.number} has no level ${level}`);
    const at = { round, level };
    const outsideTime = timeSkipReason(step, now);
    const { recipients, nobodyReason } = outsideTime
      ? { recipients: [], nobodyReason: undefined }
      : await this.#recipients(step.target, now, tx);
    const reaches = new Map<string, Reach>();
    const reserved = new Map<string, PageDelivery[]>();
    const heldNoticeKeys: string[] = [];
    for (const person of recipients) {
      const done = await this.#deliveries.reserveForNewPage(tx, page, at, person, now);
      reaches.set(person.id, done.reach);
      reserved.set(person.id, done.rows);
      if (done.heldNoticeKey) heldNoticeKeys.push(done.heldNoticeKey);
    }
    const skipped = outsideTime ?? skipReason(recipients, reaches, nobodyReason);
    const next = nextStep(plan, round, level);
    const nextKey =
      next.kind === "step" ? stepKey(page.number, next.round, next.level) : exhaustedKey(page.number);
    const escalatesAt = new Date(now.getTime() + waitBefore(plan, level, next));
    const nextDueAt = skipped ? now : escalatesAt;
    const jobs =
      next.kind === "step"
        ? this.#stepJob.rows([
            {
              key: nextKey,
              payload: { pageId: page.id, round: next.round, level: next.level },
              dueAt: nextDueAt,
            },
          ])
        : this.#exhaustedJob.rows([{ key: nextKey, payload: { pageId: page.id }, dueAt: nextDueAt }]);
    let deliver: ClaimedJob | undefined;
    if (!outsideTime) {
      const [row] = this.#deliverJob.rows([
        {
          key: deliverKey(page.number, round, level),
          payload: deliverPayloadOf(
            { page, round, level, recipients, nobodyReason, skipped, nextKey },
            {
              escalatesAt: next.kind === "step" || plan.fallbackTeamId ? escalatesAt : undefined,
            },
          ),
          dueAt: now,
        },
      ]);
      const claimed = this.#jobs.claimedRow(row!);
      jobs.push(claimed.row);
      deliver = claimed.job;
    }
    // The next level and the sending in one statement; the page is at round 0, level 0 already.
    await tx.$executeRaw(insertJobRows(jobs));
    if (skipped) await this.#recordSkip(tx, page, at, plan, skipped, `page-${page.number}`, now);
    return {
      page,
      deliver,
      warm: deliver ? { page, recipients, reserved, body } : undefined,
      heldNoticeKeys,
      recipients: recipients.length,
      skipped,
      nextDueAt,
    };
  }

  /** After the commit of firstInTransaction: the held notices, the log line, and the sending. */
  async startFirst(first: FirstStep): Promise<void> {
    const { page, skipped } = first;
    for (const key of first.heldNoticeKeys) await this.#jobs.runNow(key);
    if (skipped) this.#jobs.kick();
    this.#log.info(
      {
        page: page.number,
        round: 0,
        level: 0,
        recipients: first.recipients,
        skipped,
        next: first.nextDueAt.toISOString(),
      },
      skipped ? `page #${page.number} level 1 skipped: ${skipped}` : "escalation step",
    );
    if (!first.deliver) return;
    if (first.warm) this.#warm.set(first.deliver.id, first.warm);
    try {
      await this.#jobs.runClaimed(first.deliver);
    } finally {
      this.#warm.delete(first.deliver.id);
    }
  }

  /**
   * One level of a page. Its deliveries are written first (pending, or held by the storm limit),
   * then, in one transaction, the next step is scheduled and the sending is enqueued as a job of
   * its own: the next level's timer runs from when this level was paged, not from when a slow
   * platform finally took the DM, and the next level never waits for, nor cancels, this one's
   * notifications. A level that reaches nobody (no one on call, no identity on a running
   * platform, outside its time intervals) is skipped: the next is due at once.
   */
  async #runStep(job: Job<StepPayload>, ctx: JobContext): Promise<void> {
    const { pageId, round, level } = job.payload;
    const page = await this.#db.page.findUnique({ where: { id: pageId } });
    if (page?.status !== "open") return;
    const plan = escalationPlanSchema.parse(page.plan);
    const step = plan.levels[level];
    if (!step) throw new Error(`page #${page.number} has no level ${level}`);
    const at = { round, level };

    const outsideTime = timeSkipReason(step, ctx.now);
    const { recipients, nobodyReason } = outsideTime
      ? { recipients: [], nobodyReason: undefined }
      : await this.#recipients(step.target, ctx.now);
    const reaches = new Map<string, Reach>();
    for (const person of recipients) {
      reaches.set(person.id, await this.#deliveries.reserveForPerson(page, at, person, ctx.now));
    }
    if (!outsideTime) await this.#deliveries.reserveRooms(page, at, ctx.now);
    const skipped = outsideTime ?? skipReason(recipients, reaches, nobodyReason);

    const next = nextStep(plan, round, level);
    const nextKey =
      next.kind === "step" ? stepKey(page.number, next.round, next.level) : exhaustedKey(page.number);
    const escalatesAt = new Date(
      Math.max(job.dueAt.getTime(), ctx.now.getTime()) + waitBefore(plan, level, next),
    );
    const dueAt = skipped ? ctx.now : escalatesAt;
    const scheduled = await this.#db.$transaction(async (tx) => {
      if (!(await lockOpenPage(tx, page.id))) {
        await ctx.complete(tx);
        return false;
      }
      if (next.kind === "step") {
        await this.#stepJob.enqueue(tx, {
          key: nextKey,
          payload: { pageId: page.id, round: next.round, level: next.level },
          dueAt,
        });
      } else {
        await this.#exhaustedJob.enqueue(tx, { key: nextKey, payload: { pageId: page.id }, dueAt });
      }
      if (!outsideTime) {
        await this.#deliverJob.enqueue(tx, {
          key: deliverKey(page.number, round, level),
          payload: deliverPayloadOf(
            { page, round, level, recipients, nobodyReason, skipped, nextKey },
            {
              escalatesAt: next.kind === "step" || plan.fallbackTeamId ? escalatesAt : undefined,
            },
          ),
          dueAt: ctx.now,
        });
      }
      await tx.page.update({ where: { id: page.id }, data: { round, level } });
      if (skipped) await this.#recordSkip(tx, page, at, plan, skipped, job.id, ctx.now);
      await ctx.complete(tx);
      return true;
    });
    if (!scheduled) return;
    if (skipped) this.#jobs.kick();
    this.#log.info(
      { page: page.number, round, level, recipients: recipients.length, skipped, next: dueAt.toISOString() },
      skipped ? `page #${page.number} level ${level + 1} skipped: ${skipped}` : "escalation step",
    );
    if (!outsideTime) await this.#jobs.runNow(deliverKey(page.number, round, level));
  }

  /** Sends a step's pending deliveries (a job of its own: see #runStep). */
  async #deliver(job: Job<DeliverPayload>, ctx: JobContext): Promise<void> {
    const { pageId, round, level, recipientIds, nobodyReason, escalatesAt, nextKey } = job.payload;
    // Right after its step in this process (startFirst): the page, people and rows are known,
    // and each DM is still sent only after checking the page is open.
    const warm = this.#warm.get(job.id);
    const page = warm?.page ?? (await this.#db.page.findUnique({ where: { id: pageId } }));
    if (page?.status !== "open") return;
    const plan = escalationPlanSchema.parse(page.plan);
    const incident = page.incidentId ? await this.#incidents.findById(page.incidentId) : null;
    const pageContext: PageContext = {
      page,
      incident,
      from: await this.#creatorName(page),
      position: describePosition(plan, round, level),
      escalatesAt: escalatesAt ? new Date(escalatesAt) : undefined,
      timeZone: this.#timeZone,
      body: warm ? warm.body : await this.#hooks.content?.(page),
    };
    const people =
      warm?.recipients ?? (await this.#db.person.findMany({ where: { id: { in: recipientIds } } }));
    const recipients = recipientIds.flatMap((id) => people.find((p) => p.id === id) ?? []);
    let sent = false;
    for (const person of recipients) {
      const reserved = warm?.reserved.get(person.id);
      if (await this.#deliveries.sendToPerson(page, { round, level }, person, pageContext, reserved))
        sent = true;
    }
    await this.#deliveries.mentionInRooms(page, { round, level }, recipients, pageContext, nobodyReason);
    // Every DM failed on its platform: nobody was reached after all, so the next level goes now.
    if (!sent && nextKey && (await this.#jobs.hurry(nextKey, ctx.now))) {
      const reason = "no page could be delivered";
      await this.#recordSkip(this.#db, page, { round, level }, plan, reason, job.id, ctx.now);
      this.#log.warn(
        { page: page.number, round, level },
        `page #${page.number} level ${level + 1} skipped: ${reason}`,
      );
    }
  }

  /** The timeline (or, for a page without incident, the audit log) says a level was skipped. */
  async #recordSkip(
    tx: Db | DbTransaction,
    page: Page,
    at: { round: number; level: number },
    plan: EscalationPlan,
    reason: string,
    jobId: string,
    now: Date,
  ): Promise<void> {
    const round = plan.repeat > 0 ? ` (round ${at.round + 1})` : "";
    const text = `page #${page.number}: level ${at.level + 1}${round} skipped: ${reason}`;
    await recordActivity(tx, {
      actor: { personId: null, platform: "tocsin", roomId: null, correlationId: jobId },
      at: now,
      action: "page.level-skipped",
      detail: { number: page.number, round: at.round, level: at.level, reason },
      timeline: page.incidentId ? { incidentId: page.incidentId, kind: "page", text } : undefined,
    });
  }

  /** Who a level pages right now, as Persons. */
  async #recipients(
    target: PlanTarget,
    at: Date,
    client: Db | DbTransaction = this.#db,
  ): Promise<{ recipients: Person[]; nobodyReason?: string }> {
    let personIds: string[] = [];
    let nobodyReason: string | undefined;
    if (target.kind === "person") personIds = [target.personId];
    else {
      const team = this.#directory.findTeam(target.teamId);
      if (!team) return { recipients: [], nobodyReason: `team ${target.teamId} is no longer configured` };
      if (target.kind === "oncall") {
        const onCall = await this.#directory.onCallPersonAt(team, at, client);
        const personId = onCall ? this.#directory.personIdOf(onCall) : undefined;
        if (personId) personIds = [personId];
        else nobodyReason = `nobody on call for ${team.name}`;
      } else {
        personIds = team.members.flatMap((id) => this.#directory.personIdOf(id) ?? []);
      }
    }
    const people = await client.person.findMany({ where: { id: { in: personIds } } });
    const byId = new Map(people.map((p) => [p.id, p]));
    return { recipients: personIds.flatMap((id) => byId.get(id) ?? []), nobodyReason };
  }

  async #runExhausted(job: Job<z.output<typeof exhaustedPayload>>, ctx: JobContext): Promise<void> {
    const { pageId } = job.payload;
    const page = await this.#db.page.findUnique({ where: { id: pageId } });
    if (page?.status !== "open") return;
    const plan = escalationPlanSchema.parse(page.plan);
    const incident = page.incidentId ? await this.#incidents.findById(page.incidentId) : null;
    const pageContext: PageContext = {
      page,
      incident,
      from: await this.#creatorName(page),
      position: "all levels",
      timeZone: this.#timeZone,
      body: await this.#hooks.content?.(page),
    };
    await this.#deliveries.exhausted(page, plan, pageContext, ctx.now);
    await this.#db.$transaction(async (tx) => {
      if (await lockOpenPage(tx, page.id)) {
        await tx.page.update({ where: { id: page.id }, data: { exhaustedAt: ctx.now } });
      }
      await ctx.complete(tx);
    });
    this.#log.warn(
      { page: page.number, fallback: plan.fallbackTeamId },
      "page not acknowledged at any level",
    );
  }

  async #creatorName(page: Page): Promise<string> {
    if (!page.createdById) return "tocsin";
    const person = await this.#db.person.findUnique({ where: { id: page.createdById } });
    return person?.displayName ?? "tocsin";
  }
}

/** Why a level reached nobody, or undefined when it reached someone. */
function skipReason(
  recipients: Person[],
  reaches: ReadonlyMap<string, Reach>,
  nobodyReason: string | undefined,
): string | undefined {
  if (recipients.length === 0) return nobodyReason ?? "nobody to page";
  // A held DM counts as reaching its person: they get the storm summary line, and escalating at
  // once would carry the storm to the next level, which the per-person limit exists to prevent.
  if ([...reaches.values()].some((reach) => reach !== "unreachable")) return undefined;
  const names = recipients.map((person) => person.displayName).join(", ");
  return `${names} ${recipients.length === 1 ? "has" : "have"} no account on a running chat platform`;
}

/** Locks the page row; true when the page is still open. */
async function lockOpenPage(tx: DbTransaction, pageId: string): Promise<boolean> {
  const [row] = rows(
    z.object({ status: z.string() }),
    await tx.$queryRaw(sql`select status from "Page" where id = ${pageId} for update`),
  );
  return row?.status === "open";
}
