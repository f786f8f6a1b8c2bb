// Escalation: making pages (merging storms' twins), and the durable jobs that walk a page's
// plan level by level until someone responds or every level went unanswered (see paging.ts).
import type { Logger } from "pino";
import { z } from "zod";
import { recordActivity } from "../activity/activity.ts";
import { type Actor, actorOf, type Origin } from "../activity/origin.ts";
import type { Clock } from "../clock.ts";
import type { Db, DbTransaction } from "../db/database.ts";
import { rows } from "../db/rows.ts";
import { UserError } from "../errors.ts";
import type { Incident, Page, Person } from "../generated/prisma/client.ts";
import type { Metrics } from "../http/metrics.ts";
import { claimEvent, type Incidents } from "../incidents/incidents.ts";
import { formatSeverity, isOpen } from "../incidents/lifecycle.ts";
import type { Job, JobContext, JobKind, JobQueue } from "../jobs/queue.ts";
import type { OncallDirectory } from "../oncall/directory.ts";
import type { Outbox } from "../outbox/outbox.ts";
import type { People } from "../people/people.ts";
import type { PageDeliveries, Reach } from "./deliveries.ts";
import type { PageContext } from "./messages.ts";
import {
  DECLARED_PAGE_GRACE_MS,
  MAX_PAGE_MESSAGE,
  type PageOutcome,
  type PageRequest,
  type PagingOptions,
} from "./model.ts";
import {
  describePosition,
  directPlan,
  type EscalationPlan,
  escalationPlanSchema,
  exhaustedKey,
  nextStep,
  type PlanTarget,
  planFromPolicy,
  stepKey,
} from "./plan.ts";

export const PAGE_STEP_JOB = "paging.step";
export const PAGE_EXHAUSTED_JOB = "paging.exhausted";
export const DECLARED_PAGE_JOB = "paging.declared-incident";

const stepPayload = z.object({ pageId: z.string(), round: z.number().int(), level: z.number().int() });
type StepPayload = z.output<typeof stepPayload>;
const exhaustedPayload = z.object({ pageId: z.string() });
const declaredPagePayload = z.object({
  incidentId: z.string(),
  actor: z.object({
    personId: z.string().nullable(),
    platform: z.string(),
    roomId: z.string().nullable(),
    correlationId: z.string(),
  }) satisfies z.ZodType<Actor>,
  /** Set when a severity raise (not the declaration) pages: the severity it was raised from. */
  raisedFrom: z.number().int().optional(),
});

export class Escalation {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #jobs: JobQueue;
  readonly #directory: OncallDirectory;
  readonly #people: People;
  readonly #incidents: Incidents;
  readonly #outbox: Outbox;
  readonly #timeZone: string;
  readonly #metrics: Metrics | undefined;
  readonly #deliveries: PageDeliveries;
  readonly #stepJob: JobKind<typeof stepPayload>;
  readonly #exhaustedJob: JobKind<typeof exhaustedPayload>;
  readonly #declaredPageJob: JobKind<typeof declaredPagePayload>;

  constructor(options: PagingOptions, deliveries: PageDeliveries) {
    this.#db = options.db;
    this.#clock = options.clock;
    this.#log = options.log.child({ component: "paging" });
    this.#jobs = options.jobs;
    this.#directory = options.directory;
    this.#people = options.people;
    this.#incidents = options.incidents;
    this.#outbox = options.outbox;
    this.#timeZone = options.timeZone;
    this.#metrics = options.metrics;
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
    this.#declaredPageJob = this.#jobs.define({
      kind: DECLARED_PAGE_JOB,
      payload: declaredPagePayload,
      handler: (job, ctx) => this.#pageDeclaredIncidentJob(job, ctx),
    });
  }

  /** A page from a command (`/oncall page`, `/inc page`). Its first step runs before this returns. */
  async page(origin: Origin, request: PageRequest): Promise<PageOutcome> {
    const message = cleanMessage(request.message);
    if (request.target.kind === "person") await this.#requireReachable(request.target.person);
    const now = this.#clock.now();
    const outcome = await this.#db.$transaction(async (tx) => {
      await claimEvent(tx, origin);
      return this.#create(tx, actorOf(origin), { ...request, message }, now);
    });
    if (!outcome.merged) {
      this.#metrics?.pages.inc({ event: "created" });
      await this.#jobs.runNow(stepKey(outcome.page.number, 0, 0));
    }
    return outcome;
  }

  /**
   * Called inside the declaration's transaction: when the owning team pages for this severity,
   * a job will page its on-call. The declare command runs that job as soon as the incident's room
   * is open (pageDeclaredIncident); if tocsin dies first, the job runs on its own after a grace
   * period, so a declared SEV1 is never left unpaged.
   */
  async scheduleDeclaredPage(tx: DbTransaction, incident: Incident, now: Date, actor: Actor): Promise<void> {
    const team = incident.teamId ? this.#directory.findTeam(incident.teamId) : undefined;
    if (!team?.paging.severities.includes(incident.severity)) return;
    await this.#declaredPageJob.enqueue(tx, {
      key: declaredPageKey(incident.id),
      payload: { incidentId: incident.id, actor: { ...actor } },
      dueAt: new Date(now.getTime() + DECLARED_PAGE_GRACE_MS),
    });
  }

  /**
   * Called inside a severity change: raising an open incident into its team's paging severities
   * pages the on-call as declaring it at that severity would have, through the same job (same
   * key: one page per incident, so lowering and raising again never pages twice), and not when
   * the team was already paged for the incident.
   */
  async scheduleRaisedSeverityPage(
    tx: DbTransaction,
    incident: Incident,
    from: number,
    now: Date,
    actor: Actor,
  ): Promise<void> {
    const team = incident.teamId ? this.#directory.findTeam(incident.teamId) : undefined;
    const paging = team?.paging.severities;
    if (!paging?.includes(incident.severity) || paging.includes(from) || !isOpen(incident.status)) return;
    if ((await tx.page.count({ where: { incidentId: incident.id, teamId: team!.id } })) > 0) return;
    await this.#declaredPageJob.enqueue(tx, {
      key: declaredPageKey(incident.id),
      payload: { incidentId: incident.id, actor: { ...actor }, raisedFrom: from },
      dueAt: new Date(now.getTime() + DECLARED_PAGE_GRACE_MS),
    });
  }

  /** Runs the page a severity raise scheduled, now; the page, if this made one. */
  async pageRaisedIncident(incident: Incident): Promise<Page | undefined> {
    if (!(await this.#jobs.runNow(declaredPageKey(incident.id)))) return undefined;
    return (
      (await this.#db.page.findFirst({
        where: { incidentId: incident.id, teamId: incident.teamId },
        orderBy: { number: "desc" },
      })) ?? undefined
    );
  }

  /** Pages the declared incident's team now (if its severity pages); the page, if one was made. */
  async pageDeclaredIncident(incident: Incident): Promise<Page | undefined> {
    // The rule scheduleDeclaredPage applied in the declaration: no job, no page to look for.
    const team = incident.teamId ? this.#directory.findTeam(incident.teamId) : undefined;
    if (!team?.paging.severities.includes(incident.severity)) return undefined;
    await this.#jobs.runNow(declaredPageKey(incident.id));
    return (
      (await this.#db.page.findFirst({
        where: { incidentId: incident.id, teamId: incident.teamId },
        orderBy: { number: "asc" },
      })) ?? undefined
    );
  }

  async #pageDeclaredIncidentJob(
    job: Job<z.output<typeof declaredPagePayload>>,
    ctx: JobContext,
  ): Promise<void> {
    const { incidentId, actor, raisedFrom } = job.payload;
    const incident = await this.#incidents.findById(incidentId);
    const team = incident?.teamId ? this.#directory.findTeam(incident.teamId) : undefined;
    if (!incident || !team) {
      this.#log.warn({ incidentId }, "declared incident not paged: its team is not configured any more");
      return;
    }
    // A raise run late (after a restart) pages only if the incident still calls for it.
    if (
      raisedFrom !== undefined &&
      (!isOpen(incident.status) || !team.paging.severities.includes(incident.severity))
    ) {
      return;
    }
    const what = raisedFrom === undefined ? "declared" : "raised to";
    const created = await this.#db.$transaction(async (tx) => {
      const outcome = await this.#create(
        tx,
        actor,
        {
          target: { kind: "team", team },
          message: `${incident.publicId} ${what}${raisedFrom === undefined ? "," : ""} ${formatSeverity(incident.severity)}`,
          incident,
        },
        ctx.now,
      );
      await ctx.complete(tx);
      return outcome;
    });
    if (!created.merged) {
      this.#metrics?.pages.inc({ event: "created" });
      await this.#jobs.runNow(stepKey(created.page.number, 0, 0));
    }
  }

  async #create(
    tx: DbTransaction,
    actor: Actor,
    request: PageRequest & { message: string },
    now: Date,
  ): Promise<PageOutcome> {
    const { target, message, incident } = request;
    const config = this.#directory.config;
    const limits = config.pageLimits;
    const targetKey = target.kind === "team" ? `team:${target.team.id}` : `person:${target.person.id}`;
    // Identical pages racing in (an alert storm, two replicas) are merged one after the other.
    await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${`tocsin:page-target:${targetKey}`}))`;
    const twin = await tx.page.findFirst({
      where: {
        status: "open",
        message,
        incidentId: incident?.id ?? null,
        createdAt: { gte: new Date(now.getTime() - limits.mergeWithin) },
        ...(target.kind === "team"
          ? { teamId: target.team.id, targetPersonId: null }
          : { targetPersonId: target.person.id }),
      },
      orderBy: { createdAt: "desc" },
    });
    if (twin) {
      const page = await tx.page.update({ where: { id: twin.id }, data: { mergedCount: { increment: 1 } } });
      return { page, merged: true };
    }

    let plan: EscalationPlan;
    let teamId: string | null = null;
    if (target.kind === "team") {
      const policy = config.escalationPolicies.find((p) => p.id === target.team.escalationPolicy);
      if (!policy)
        throw new Error(`team ${target.team.id} has no escalation policy ${target.team.escalationPolicy}`);
      plan = planFromPolicy(policy, (id) => this.#directory.personIdOf(id));
      teamId = target.team.id;
    } else {
      plan = directPlan(target.person.id);
    }
    const page = await tx.page.create({
      data: {
        teamId,
        policyId: plan.policyId,
        targetPersonId: target.kind === "person" ? target.person.id : null,
        plan,
        incidentId: incident?.id ?? null,
        message,
        createdById: actor.personId,
        createdAt: now,
      },
    });
    await this.#stepJob.enqueue(tx, {
      key: stepKey(page.number, 0, 0),
      payload: { pageId: page.id, round: 0, level: 0 },
      dueAt: now,
    });
    const targetName = target.kind === "team" ? `${target.team.name} on-call` : target.person.displayName;
    await recordActivity(tx, {
      actor,
      at: now,
      action: "page.create",
      detail: { number: page.number, teamId, targetPersonId: page.targetPersonId, message },
      timeline: incident
        ? { incidentId: incident.id, kind: "page", text: `page #${page.number} to ${targetName}: ${message}` }
        : undefined,
    });
    return { page, merged: false };
  }

  async #requireReachable(person: Person): Promise<void> {
    const identities = await this.#people.identities(person.id);
    if (!identities.some((i) => this.#outbox.runs(i.platform))) {
      throw new UserError(
        `${person.displayName} can't be paged: tocsin knows no account of theirs on a chat platform it is connected to.`,
        { code: "page.unreachable" },
      );
    }
  }

  async #runStep(job: Job<StepPayload>, ctx: JobContext): Promise<void> {
    const { pageId, round, level } = job.payload;
    const page = await this.#db.page.findUnique({ where: { id: pageId } });
    if (page?.status !== "open") return;
    const plan = escalationPlanSchema.parse(page.plan);
    const step = plan.levels[level];
    if (!step) throw new Error(`page #${page.number} has no level ${level}`);
    const incident = page.incidentId ? await this.#incidents.findById(page.incidentId) : null;

    const { recipients, nobodyReason } = await this.#recipients(step.target, ctx.now);
    const next = nextStep(plan, round, level);
    const escalatesAt = new Date(Math.max(job.dueAt.getTime(), ctx.now.getTime()) + step.afterMs);
    const pageContext: PageContext = {
      page,
      incident,
      from: await this.#creatorName(page),
      position: describePosition(plan, round, level),
      escalatesAt: next.kind === "step" || plan.fallbackTeamId ? escalatesAt : undefined,
      timeZone: this.#timeZone,
    };
    const reaches: Reach[] = [];
    for (const person of recipients) {
      reaches.push(await this.#deliveries.toPerson(page, { round, level }, person, pageContext, ctx.now));
    }
    await this.#deliveries.mentionInRooms(
      page,
      { round, level },
      recipients,
      pageContext,
      nobodyReason,
      ctx.now,
    );
    const reached = reaches.some((reach) => reach !== "unreachable");

    const dueAt = reached ? escalatesAt : ctx.now;
    const scheduled = await this.#db.$transaction(async (tx) => {
      if (!(await lockOpenPage(tx, page.id))) {
        await ctx.complete(tx);
        return false;
      }
      if (next.kind === "step") {
        await this.#stepJob.enqueue(tx, {
          key: stepKey(page.number, next.round, next.level),
          payload: { pageId: page.id, round: next.round, level: next.level },
          dueAt,
        });
      } else {
        await this.#exhaustedJob.enqueue(tx, {
          key: exhaustedKey(page.number),
          payload: { pageId: page.id },
          dueAt,
        });
      }
      await tx.page.update({ where: { id: page.id }, data: { round, level } });
      await ctx.complete(tx);
      return true;
    });
    if (scheduled && !reached) this.#jobs.kick();
    this.#log.info(
      { page: page.number, round, level, recipients: recipients.length, reached, next: dueAt.toISOString() },
      "escalation step",
    );
  }

  /** Who a level pages right now, as Persons. */
  async #recipients(target: PlanTarget, at: Date): Promise<{ recipients: Person[]; nobodyReason?: string }> {
    let personIds: string[] = [];
    let nobodyReason: string | undefined;
    if (target.kind === "person") personIds = [target.personId];
    else {
      const team = this.#directory.findTeam(target.teamId);
      if (!team) return { recipients: [], nobodyReason: `team ${target.teamId} is no longer configured` };
      if (target.kind === "oncall") {
        const onCall = await this.#directory.onCall(team, at);
        const personId = onCall.personId ? this.#directory.personIdOf(onCall.personId) : undefined;
        if (personId) personIds = [personId];
        else nobodyReason = `nobody is on call for ${team.name} right now; escalating`;
      } else {
        personIds = team.members.flatMap((id) => this.#directory.personIdOf(id) ?? []);
      }
    }
    const people = await this.#db.person.findMany({ where: { id: { in: personIds } } });
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

export function declaredPageKey(incidentId: string): string {
  return `incident:${incidentId}:page`;
}

/** Locks the page row; true when the page is still open. */
async function lockOpenPage(tx: DbTransaction, pageId: string): Promise<boolean> {
  const [row] = rows(
    z.object({ status: z.string() }),
    await tx.$queryRaw`select status from "Page" where id = ${pageId} for update`,
  );
  return row?.status === "open";
}

function cleanMessage(message: string): string {
  const clean = message.replace(/\s+/g, " ").trim();
  if (!clean)
    throw new UserError("Say what the page is about.", {
      code: "page.message_missing",
    });
  if (clean.length > MAX_PAGE_MESSAGE) {
    throw new UserError(`That page message is too long (max ${MAX_PAGE_MESSAGE} characters).`, {
      code: "page.message_too_long",
    });
  }
  return clean;
}
