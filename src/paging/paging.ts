// Pages: someone (a person, or a team's on-call) is asked to respond, and escalation follows
// until someone acknowledges or resolves the page.
//
// ESCALATION IS DURABLE JOBS (src/jobs/queue.ts)
// - A page's escalation steps are jobs keyed `page:<number>:<round>:<level>`; the last one is
//   `page:<number>:exhausted` (fallback). The first step is enqueued in the transaction that
//   makes the page, due at once; each step enqueues the next one and completes itself in one
//   transaction, after re-checking (under a row lock) that the page is still open. So a restart,
//   a kill -9 or a second replica neither loses nor doubles a step: a step whose worker died is
//   run again when its lease expires, and keys make a repeated enqueue a no-op.
// - The next level is due `after` (the level's timeout) from when this level was paged
//   (its due time, or later if it ran late), so everyone gets their full time to acknowledge.
//   A level that reached nobody (nobody on call, no identity on a running platform) does not
//   hold the page: the next level is due at once.
// - A team page walks the team's escalation policy (copied into the page: src/paging/plan.ts);
//   a direct page (`/oncall page @bob`) pages the person every 5 minutes, 3 times. When every
//   level and round went unacknowledged, the fallback team's channels get the page and whoever
//   made it is told; the page stays open for anyone to take.
// - Ack and resolve lock the page, change its status and cancel every pending job of the page
//   (`page:<number>:`) in one transaction. A step running at that moment sees the new status
//   when it takes the lock and schedules nothing.
//
// DELIVERY IS AN OUTBOX (PageDelivery), AT LEAST ONCE
// - A step first writes a row per target (each platform identity of each person paged, each
//   room of the incident) in state `pending`, then sends, then marks the row `sent`. The unique
//   key (page, level, round, platform, target) makes the rows idempotent: a step run again after
//   a crash sends only what is still pending. A DM can be sent twice only if the process dies
//   between the platform accepting it and the row being marked sent (milliseconds); it is
//   never lost.
// - Ack and resolve are shown everywhere the page was shown: a line in every DM, room and
//   channel with a sent delivery, and the page's room messages updated without their buttons.
//   That is a job too (`page-outcome:<number>:<status>`), so a crash right after an ack still
//   shows it (a crash in the middle of showing it may show it twice to some).
// - A declaration that pages (the team's `paging.severities`) enqueues the paging job in the
//   declaration's own transaction, due DECLARED_PAGE_GRACE_MS (30 s) later; the declare command
//   runs it at once after opening the incident's room. If tocsin dies in between, the job pages
//   after the grace period: a declared SEV1 is never left unpaged, and never paged twice.
//
// STORMS (pageLimits in the on-call configuration)
// - Merge: a page with the same target (team or person), message and incident as an open page
//   made within `mergeWithin` (default 2 min) is merged into it (`mergedCount`), not sent again.
// - Rate limit: a person gets at most `perPerson` (default 5) different pages within `window`
//   (default 10 min). Beyond that their deliveries are held (state `held`, not sent) and they
//   get one summary line for the window; escalation continues as usual, so a held page still
//   reaches the next level if nobody acknowledges it.
//
// WHO MAY ACKNOWLEDGE OR RESOLVE
// - anyone the page was sent to, the person paged directly, whoever made the page, and the
//   members and leads of the page's team (for a direct page: of the teams the paged person is
//   on). Anyone else is refused with the rule spelled out.
import type { Logger } from "pino";
import { recordActivity } from "../activity/activity.ts";
import { type Actor, actorOf, type Origin } from "../activity/origin.ts";
import type { PlatformName } from "../chat/invocation.ts";
import { type Message, mentionOf } from "../chat/message.ts";
import type { Clock } from "../clock.ts";
import type { Db, DbTransaction } from "../db/database.ts";
import { UserError } from "../errors.ts";
import type { Incident, Page, Person } from "../generated/prisma/client.ts";
import type { Metrics } from "../http/metrics.ts";
import { incidentFacts } from "../incidents/incident-rooms.ts";
import { claimEvent, type Incidents } from "../incidents/incidents.ts";
import { formatSeverity, isOpen } from "../incidents/lifecycle.ts";
import { formatTime } from "../incidents/render.ts";
import type { ClaimedJob, JobContext, JobQueue } from "../jobs/queue.ts";
import type { PageLimits, Team } from "../oncall/config.ts";
import type { OncallDirectory } from "../oncall/directory.ts";
import type { Outbox, Subject } from "../outbox/outbox.ts";
import type { People } from "../people/people.ts";
import {
  heldNotice,
  outcomeText,
  type PageContext,
  type PageRow,
  pageDirectMessage,
  pageExhaustedNotice,
  pageFallbackMessage,
  pageRoomMessage,
  settledPageMessage,
  teamChannel,
} from "./messages.ts";
import {
  directPlan,
  type EscalationPlan,
  escalationKeyPrefix,
  escalationPlanSchema,
  exhaustedKey,
  nextStep,
  type PlanTarget,
  planFromPolicy,
  stepKey,
} from "./plan.ts";

export const PAGE_STEP_JOB = "paging.step";
export const PAGE_EXHAUSTED_JOB = "paging.exhausted";
export const PAGE_OUTCOME_JOB = "paging.show-outcome";
export const PAGE_HELD_JOB = "paging.held-notice";
export const DECLARED_PAGE_JOB = "paging.declared-incident";

/** The declared incident's page waits this long for its room to open, then goes anyway. */
export const DECLARED_PAGE_GRACE_MS = 30_000;
export const MAX_PAGE_MESSAGE = 1000;

export const DEFAULT_PAGE_LIMITS: PageLimits = { mergeWithin: 2 * 60_000, perPerson: 5, window: 10 * 60_000 };

/** Delivery rows for fallbacks and notices, which belong to no level. */
const FINAL_LEVEL = -1;

export type PageTarget = { kind: "team"; team: Team } | { kind: "person"; person: Person };

export interface PageRequest {
  target: PageTarget;
  message: string;
  incident?: Incident;
}

export interface PageOutcome {
  page: Page;
  /** True when an identical open page absorbed this one. */
  merged: boolean;
}

interface StepPayload {
  pageId: string;
  round: number;
  level: number;
}

type Reach = "sent" | "held" | "unreachable";

export interface PagingOptions {
  db: Db;
  clock: Clock;
  log: Logger;
  jobs: JobQueue;
  directory: OncallDirectory;
  people: People;
  incidents: Incidents;
  outbox: Outbox;
  timeZone: string;
  metrics?: Metrics;
}

export class Paging {
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

  constructor(options: PagingOptions) {
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
    this.#jobs.register(PAGE_STEP_JOB, (job, ctx) => this.#runStep(job, ctx));
    this.#jobs.register(PAGE_EXHAUSTED_JOB, (job, ctx) => this.#runExhausted(job, ctx));
    this.#jobs.register(PAGE_OUTCOME_JOB, (job) => this.#showOutcome(job));
    this.#jobs.register(PAGE_HELD_JOB, (job) => this.#sendHeldNotice(job));
    this.#jobs.register(DECLARED_PAGE_JOB, (job, ctx) => this.#pageDeclaredIncidentJob(job, ctx));
  }

  // ---- making pages ---------------------------------------------------------------------------

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
    await this.#jobs.enqueue(tx, {
      kind: DECLARED_PAGE_JOB,
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
    await this.#jobs.enqueue(tx, {
      kind: DECLARED_PAGE_JOB,
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
    await this.#jobs.runNow(declaredPageKey(incident.id));
    return (
      (await this.#db.page.findFirst({
        where: { incidentId: incident.id, teamId: incident.teamId },
        orderBy: { number: "asc" },
      })) ?? undefined
    );
  }

  async #pageDeclaredIncidentJob(job: ClaimedJob, ctx: JobContext): Promise<void> {
    const { incidentId, actor, raisedFrom } = job.payload as unknown as {
      incidentId: string;
      actor: Actor;
      raisedFrom?: number;
    };
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
    await this.#jobs.enqueue(tx, {
      kind: PAGE_STEP_JOB,
      key: stepKey(page.number, 0, 0),
      payload: { pageId: page.id, round: 0, level: 0 } satisfies StepPayload,
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
    if (!identities.some((i) => this.#outbox.runs(i.platform as PlatformName))) {
      throw new UserError(
        `${person.displayName} can't be paged: tocsin knows no account of theirs on a chat platform it is connected to.`,
      );
    }
  }

  // ---- escalation steps -----------------------------------------------------------------------

  async #runStep(job: ClaimedJob, ctx: JobContext): Promise<void> {
    const { pageId, round, level } = job.payload as unknown as StepPayload;
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
      reaches.push(await this.#deliverToPerson(page, { round, level }, person, pageContext, ctx.now));
    }
    await this.#mentionInRooms(page, { round, level }, recipients, pageContext, nobodyReason, ctx.now);
    const reached = reaches.some((reach) => reach !== "unreachable");

    const dueAt = reached ? escalatesAt : ctx.now;
    const scheduled = await this.#db.$transaction(async (tx) => {
      if (!(await lockOpenPage(tx, page.id))) {
        await ctx.complete(tx);
        return false;
      }
      await this.#jobs.enqueue(
        tx,
        next.kind === "step"
          ? {
              kind: PAGE_STEP_JOB,
              key: stepKey(page.number, next.round, next.level),
              payload: { pageId: page.id, round: next.round, level: next.level } satisfies StepPayload,
              dueAt,
            }
          : { kind: PAGE_EXHAUSTED_JOB, key: exhaustedKey(page.number), payload: { pageId: page.id }, dueAt },
      );
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

  /** DMs one person on each platform where they have an identity (outbox; see the header). */
  async #deliverToPerson(
    page: Page,
    step: { round: number; level: number },
    person: Person,
    pageContext: PageContext,
    now: Date,
  ): Promise<Reach> {
    const targets = (await this.#people.identities(person.id)).filter((i) =>
      this.#outbox.runs(i.platform as PlatformName),
    );
    if (targets.length === 0) {
      this.#log.warn(
        { page: page.number, personId: person.id },
        "paged person has no identity on a running platform",
      );
      return "unreachable";
    }
    const limits = this.#directory.configIfAny?.pageLimits ?? DEFAULT_PAGE_LIMITS;
    const mine = { pageId: page.id, level: step.level, round: step.round, kind: "dm", personId: person.id };
    let heldNoticeKey: string | undefined;
    const rows = await this.#db.$transaction(async (tx) => {
      // One person at a time, so concurrent steps of a storm count each other's deliveries.
      await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${`tocsin:page-person:${person.id}`}))`;
      const existing = await tx.pageDelivery.findMany({ where: mine });
      if (existing.length > 0) return existing;
      const since = new Date(now.getTime() - limits.window);
      const recent = await tx.pageDelivery.findMany({
        where: {
          personId: person.id,
          kind: "dm",
          state: { in: ["pending", "sent"] },
          createdAt: { gte: since },
          pageId: { not: page.id },
        },
        distinct: ["pageId"],
        select: { pageId: true },
      });
      const hold = recent.length >= limits.perPerson;
      if (hold) {
        const heldBefore = await tx.pageDelivery.count({
          where: { personId: person.id, kind: "dm", state: "held", createdAt: { gte: since } },
        });
        if (heldBefore === 0) {
          heldNoticeKey = `page-held:${person.id}:${now.toISOString()}`;
          await this.#jobs.enqueue(tx, {
            kind: PAGE_HELD_JOB,
            key: heldNoticeKey,
            payload: { personId: person.id, since: since.toISOString(), count: recent.length },
            dueAt: now,
          });
        }
      }
      await tx.pageDelivery.createMany({
        data: targets.map((t) => ({
          ...mine,
          platform: t.platform,
          target: t.externalId,
          state: hold ? "held" : "pending",
          createdAt: now,
        })),
        skipDuplicates: true,
      });
      return tx.pageDelivery.findMany({ where: mine });
    });
    if (heldNoticeKey) await this.#jobs.runNow(heldNoticeKey);
    if (rows.some((row) => row.state === "held")) return "held";

    const message = pageDirectMessage({ ...pageContext, timeZone: person.timeZone ?? this.#timeZone });
    let sent = rows.some((row) => row.state === "sent");
    for (const row of rows.filter((r) => r.state === "pending")) {
      if (!(await this.#isOpen(page.id))) break;
      const delivered = await this.#send(row.platform, (outbox, platform) =>
        outbox
          .directMessage({ platform, externalId: row.target }, message, pageSubject(message), "page")
          .then(() => undefined),
      );
      await this.#markDelivery(row.id, delivered);
      sent ||= delivered.ok;
    }
    return sent ? "sent" : "unreachable";
  }

  /** The line naming who is paged, in every room of the page's incident. */
  async #mentionInRooms(
    page: Page,
    step: { round: number; level: number },
    recipients: Person[],
    pageContext: PageContext,
    nobodyReason: string | undefined,
    now: Date,
  ): Promise<void> {
    if (!page.incidentId) return;
    const rooms = (await this.#incidents.rooms(page.incidentId)).filter((room) =>
      this.#outbox.runs(room.platform as PlatformName),
    );
    if (rooms.length === 0) return;
    const rows = await this.#reserve(
      page,
      step,
      "room",
      rooms.map((room) => ({ platform: room.platform, target: room.roomId })),
      now,
    );
    const identities = new Map(
      await Promise.all(recipients.map(async (p) => [p.id, await this.#people.identities(p.id)] as const)),
    );
    for (const row of rows.filter((r) => r.state === "pending")) {
      if (!(await this.#isOpen(page.id))) break;
      const mentions = recipients.map((person) => {
        const identity = identities.get(person.id)?.find((i) => i.platform === row.platform);
        return identity ? mentionOf(identity.externalId) : person.displayName;
      });
      const message = pageRoomMessage(pageContext, mentions, nobodyReason);
      await this.#markDelivery(
        row.id,
        await this.#send(row.platform, (outbox, platform) => postPage(outbox, platform, row.target, message)),
      );
    }
  }

  async #runExhausted(job: ClaimedJob, ctx: JobContext): Promise<void> {
    const { pageId } = job.payload as { pageId: string };
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
    const step = { round: FINAL_LEVEL, level: FINAL_LEVEL };

    const fallbackTeam = plan.fallbackTeamId ? this.#directory.findTeam(plan.fallbackTeamId) : undefined;
    let fallbackNote = "There is no fallback channel for it.";
    if (fallbackTeam) {
      const channels = Object.entries(fallbackTeam.channels).flatMap(([platform, channel]) =>
        channel !== undefined && this.#outbox.runs(platform as PlatformName)
          ? [{ platform, target: channel }]
          : [],
      );
      const rows = await this.#reserve(page, step, "channel", channels, ctx.now);
      for (const row of rows.filter((r) => r.state === "pending")) {
        const message = pageFallbackMessage(pageContext, teamChannel(fallbackTeam.name, row.platform));
        await this.#markDelivery(
          row.id,
          await this.#send(row.platform, (outbox, platform) =>
            postPage(outbox, platform, row.target, message),
          ),
        );
      }
      fallbackNote = `It was posted in ${fallbackTeam.name}'s channel.`;
    }
    if (page.createdById) {
      const targets = (await this.#people.identities(page.createdById)).filter((i) =>
        this.#outbox.runs(i.platform as PlatformName),
      );
      const rows = await this.#reserve(
        page,
        step,
        "notice",
        targets.map((t) => ({ platform: t.platform, target: t.externalId, personId: page.createdById })),
        ctx.now,
      );
      const notice = pageExhaustedNotice(pageContext, fallbackNote);
      for (const row of rows.filter((r) => r.state === "pending")) {
        await this.#markDelivery(
          row.id,
          await this.#send(row.platform, (outbox, platform) =>
            outbox
              .directMessage({ platform, externalId: row.target }, notice, pageSubject(notice), "page")
              .then(() => undefined),
          ),
        );
      }
    }
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

  /** Writes pending delivery rows for targets that have none for this step; returns all of them. */
  async #reserve(
    page: Page,
    step: { round: number; level: number },
    kind: "room" | "channel" | "notice",
    targets: Array<{ platform: string; target: string; personId?: string | null }>,
    now: Date,
  ) {
    const where = { pageId: page.id, level: step.level, round: step.round, kind };
    await this.#db.pageDelivery.createMany({
      data: targets.map((t) => ({
        ...where,
        ...t,
        personId: t.personId ?? null,
        state: "pending",
        createdAt: now,
      })),
      skipDuplicates: true,
    });
    return this.#db.pageDelivery.findMany({ where });
  }

  async #send(
    platformName: string,
    send: (outbox: Outbox, platform: PlatformName) => Promise<string | undefined>,
  ): Promise<{ ok: true; messageId?: string } | { ok: false }> {
    if (!this.#outbox.runs(platformName)) return { ok: false };
    try {
      return { ok: true, messageId: (await send(this.#outbox, platformName)) ?? undefined };
    } catch (error) {
      this.#log.error({ err: error, platform: platformName }, "page not delivered");
      return { ok: false };
    }
  }

  async #markDelivery(
    id: string,
    delivered: { ok: true; messageId?: string } | { ok: false },
  ): Promise<void> {
    await this.#db.pageDelivery.update({
      where: { id },
      data: delivered.ok
        ? { state: "sent", deliveredAt: this.#clock.now(), messageId: delivered.messageId ?? null }
        : { state: "failed" },
    });
    if (delivered.ok) this.#metrics?.pages.inc({ event: "delivered" });
  }

  async #isOpen(pageId: string): Promise<boolean> {
    const page = await this.#db.page.findUnique({ where: { id: pageId }, select: { status: true } });
    return page?.status === "open";
  }

  async #sendHeldNotice(job: ClaimedJob): Promise<void> {
    const { personId, since, count } = job.payload as { personId: string; since: string; count: number };
    const limits = this.#directory.configIfAny?.pageLimits ?? DEFAULT_PAGE_LIMITS;
    const held = await this.#db.pageDelivery.findMany({
      where: { personId, kind: "dm", state: "held", createdAt: { gte: new Date(since) } },
      distinct: ["pageId"],
      include: { page: { select: { number: true } } },
    });
    const notice = heldNotice(
      count,
      Math.round(limits.window / 60_000),
      held.map((row) => row.page.number),
    );
    for (const identity of await this.#people.identities(personId)) {
      if (!this.#outbox.runs(identity.platform)) continue;
      await this.#outbox.directMessage(
        { platform: identity.platform, externalId: identity.externalId },
        notice,
        pageSubject(notice),
        "page",
      );
    }
  }

  // ---- acknowledging and resolving -----------------------------------------------------------

  /** Acknowledges a page (the caller's most recent open one when no number is given). */
  async ack(origin: Origin, number?: number): Promise<Page> {
    const page =
      number === undefined
        ? await this.#latestFor(origin.actor, ["open"], "acknowledge")
        : await this.#byNumber(number);
    await this.#requireMayRespond(origin.actor, page, "acknowledge");
    return this.#settle(origin, page, "acked");
  }

  /** Resolves a page (the caller's most recent open or acknowledged one when no number is given). */
  async resolve(origin: Origin, number?: number): Promise<Page> {
    const page =
      number === undefined
        ? await this.#latestFor(origin.actor, ["open", "acked"], "resolve")
        : await this.#byNumber(number);
    await this.#requireMayRespond(origin.actor, page, "resolve");
    return this.#settle(origin, page, "resolved");
  }

  async #settle(origin: Origin, page: Page, to: "acked" | "resolved"): Promise<Page> {
    const now = this.#clock.now();
    const outcomeKey = `page-outcome:${page.number}:${to}`;
    const settled = await this.#db.$transaction(async (tx) => {
      await claimEvent(tx, origin);
      const [current] = await tx.$queryRaw<Page[]>`select * from "Page" where id = ${page.id} for update`;
      if (!current) throw new UserError(`There is no page #${page.number}.`);
      if (current.status === "resolved") {
        throw new UserError(
          `Page #${page.number} is already resolved${await this.#byWhom(current.resolvedById, current.resolvedAt)}.`,
        );
      }
      if (current.status === "acked" && to === "acked") {
        throw new UserError(
          `Page #${page.number} was already acknowledged${await this.#byWhom(current.ackedById, current.ackedAt)}.`,
        );
      }
      const updated = await tx.page.update({
        where: { id: page.id },
        data:
          to === "acked"
            ? { status: "acked", ackedAt: now, ackedById: origin.actor.id }
            : { status: "resolved", resolvedAt: now, resolvedById: origin.actor.id },
      });
      await this.#jobs.cancel(tx, escalationKeyPrefix(page.number));
      await this.#jobs.enqueue(tx, {
        kind: PAGE_OUTCOME_JOB,
        key: outcomeKey,
        payload: { pageId: page.id },
        dueAt: now,
      });
      const verb = to === "acked" ? "acknowledged" : "resolved";
      await recordActivity(tx, {
        actor: actorOf(origin),
        at: now,
        action: to === "acked" ? "page.ack" : "page.resolve",
        detail: { number: page.number },
        timeline: page.incidentId
          ? {
              incidentId: page.incidentId,
              kind: "page",
              text: `page #${page.number} ${verb} by ${origin.actor.displayName}`,
            }
          : undefined,
      });
      return updated;
    });
    await this.#jobs.runNow(outcomeKey);
    return settled;
  }

  /** Shows an ack or a resolve everywhere the page was shown. */
  async #showOutcome(job: ClaimedJob): Promise<void> {
    const { pageId } = job.payload as { pageId: string };
    const page = await this.#db.page.findUnique({ where: { id: pageId }, include: { deliveries: true } });
    if (!page) return;
    const byId = page.status === "resolved" ? page.resolvedById : page.ackedById;
    const by = byId
      ? ((await this.#db.person.findUnique({ where: { id: byId } }))?.displayName ?? "someone")
      : "someone";
    const line = {
      blocks: [{ kind: "text", text: outcomeText(page, by, this.#timeZone) }],
    } satisfies Message;
    const settled = settledPageMessage(page, outcomeText(page, by, this.#timeZone));
    const shown = page.deliveries.filter((d) => d.state === "sent");
    const done = new Set<string>();
    for (const delivery of shown) {
      const platform = delivery.platform;
      if (!this.#outbox.runs(platform)) continue;
      const isDm = delivery.kind === "dm" || delivery.kind === "notice";
      const room = { platform, roomId: delivery.target };
      try {
        // Room messages lose their buttons, so nobody clicks a stale Ack.
        if (!isDm && delivery.messageId) {
          await this.#outbox.update(room, delivery.messageId, settled, pageSubject(settled));
        }
        const where = `${delivery.platform}:${isDm ? "dm" : "room"}:${delivery.target}`;
        if (done.has(where)) continue;
        done.add(where);
        if (isDm) {
          await this.#outbox.directMessage(
            { platform, externalId: delivery.target },
            line,
            pageSubject(line),
            "page",
          );
        } else await this.#outbox.post(room, line, pageSubject(line), "page");
      } catch (error) {
        this.#log.warn(
          { err: error, page: page.number, platform: delivery.platform },
          "page outcome not shown",
        );
      }
    }
  }

  async #requireMayRespond(actor: Person, page: Page, verb: "acknowledge" | "resolve"): Promise<void> {
    if (page.createdById === actor.id || page.targetPersonId === actor.id) return;
    const paged = await this.#db.pageDelivery.findMany({
      where: { pageId: page.id, kind: "dm" },
      distinct: ["personId"],
      select: { personId: true },
    });
    const pagedIds = paged.flatMap((d) => d.personId ?? []);
    const configured = this.#directory.configPersonOf(actor.id);
    if (pagedIds.includes(actor.id)) return;
    if (configured && pagedIds.some((id) => this.#directory.configPersonOf(id)?.id === configured.id)) return;
    const teams = this.#teamsOfPage(page);
    if (teams.some((team) => this.#directory.isMember(actor.id, team))) return;

    const names = await this.#db.person.findMany({
      where: { id: { in: [...pagedIds, ...(page.createdById ? [page.createdById] : [])] } },
    });
    const nameOf = (id: string | null) => names.find((p) => p.id === id)?.displayName;
    const pagedNames = pagedIds.map(nameOf).filter(Boolean).join(", ");
    const parts = [
      pagedNames ? `the people paged (${pagedNames})` : "the people paged",
      `whoever made the page${nameOf(page.createdById) ? ` (${nameOf(page.createdById)})` : ""}`,
      teams.length ? `members and leads of ${teams.map((t) => t.name).join(", ")}` : undefined,
    ].filter(Boolean);
    throw new UserError(`Only ${parts.join(", ")} may ${verb} page #${page.number}.`);
  }

  #teamsOfPage(page: Page): Team[] {
    if (page.teamId) {
      const team = this.#directory.findTeam(page.teamId);
      return team ? [team] : [];
    }
    return page.targetPersonId ? this.#directory.teamsOf(page.targetPersonId) : [];
  }

  async #byNumber(number: number): Promise<Page> {
    const page = await this.#db.page.findUnique({ where: { number } });
    if (!page) throw new UserError(`There is no page #${number}. \`/oncall pages\` lists open pages.`);
    return page;
  }

  async #latestFor(actor: Person, statuses: string[], verb: string): Promise<Page> {
    const page = await this.#db.page.findFirst({
      where: {
        status: { in: statuses },
        OR: [{ targetPersonId: actor.id }, { deliveries: { some: { personId: actor.id, kind: "dm" } } }],
      },
      orderBy: { createdAt: "desc" },
    });
    if (!page) {
      throw new UserError(
        `You have no open page to ${verb}. \`/oncall pages\` lists open pages; give one's number, e.g. \`/oncall ${verb === "acknowledge" ? "ack" : "resolve"} 12\`.`,
      );
    }
    return page;
  }

  async #byWhom(personId: string | null, at: Date | null): Promise<string> {
    const person = personId ? await this.#db.person.findUnique({ where: { id: personId } }) : null;
    return `${person ? ` by ${person.displayName}` : ""}${at ? ` at ${formatTime(at, this.#timeZone)}` : ""}`;
  }

  async #creatorName(page: Page): Promise<string> {
    if (!page.createdById) return "tocsin";
    const person = await this.#db.person.findUnique({ where: { id: page.createdById } });
    return person?.displayName ?? "tocsin";
  }

  // ---- reading ----------------------------------------------------------------------------------

  /** Pages not resolved yet, newest first, as table rows. */
  async openPages(limit = 50): Promise<PageRow[]> {
    const pages = await this.#db.page.findMany({
      where: { status: { in: ["open", "acked"] } },
      orderBy: { createdAt: "desc" },
      take: limit,
    });
    const personIds = pages.flatMap((p) =>
      [p.targetPersonId, p.ackedById].filter((id): id is string => id !== null),
    );
    const incidentIds = pages.flatMap((p) => p.incidentId ?? []);
    const [people, incidents] = await Promise.all([
      this.#db.person.findMany({ where: { id: { in: personIds } } }),
      this.#db.incident.findMany({ where: { id: { in: incidentIds } } }),
    ]);
    const nameOf = (id: string | null) => people.find((p) => p.id === id)?.displayName ?? "?";
    return pages.map((page) => {
      const plan = escalationPlanSchema.safeParse(page.plan);
      const team = page.teamId ? this.#directory.findTeam(page.teamId) : undefined;
      const target = page.targetPersonId
        ? nameOf(page.targetPersonId)
        : `${team?.name ?? page.teamId} on-call`;
      let escalation: string;
      if (page.status === "acked") escalation = `acked by ${nameOf(page.ackedById)}`;
      else if (page.exhaustedAt) escalation = "exhausted (fallback used)";
      else escalation = plan.success ? describePosition(plan.data, page.round, page.level) : "?";
      const incident = incidents.find((i) => i.id === page.incidentId);
      return {
        about: incident ? incidentFacts(incident) : undefined,
        number: page.number,
        status: page.status,
        target,
        escalation,
        incident: incident?.publicId ?? "",
        created: formatTime(page.createdAt, this.#timeZone),
        message: page.mergedCount ? `${page.message} (+${page.mergedCount} merged)` : page.message,
      };
    });
  }
}

/**
 * A page's messages are written for where they go (the incident's title is left out where its
 * label does not allow it, see messages.ts incidentLine), so what they carry is their label.
 */
function pageSubject(message: Message): Subject {
  return message.tlp ? { kind: "label", tlp: message.tlp } : { kind: "interface" };
}

async function postPage(
  outbox: Outbox,
  platform: PlatformName,
  roomId: string,
  message: Message,
): Promise<string | undefined> {
  const outcome = await outbox.post({ platform, roomId }, message, pageSubject(message), "page");
  if (!outcome.sent) throw new Error(`page withheld: ${outcome.reason}`);
  return outcome.messageId;
}

export function declaredPageKey(incidentId: string): string {
  return `incident:${incidentId}:page`;
}

/** `level 2 of 3, round 1 of 3` */
export function describePosition(plan: EscalationPlan, round: number, level: number): string {
  return `level ${level + 1} of ${plan.levels.length}, round ${round + 1} of ${plan.repeat + 1}`;
}

/** Locks the page row; true when the page is still open. */
async function lockOpenPage(tx: DbTransaction, pageId: string): Promise<boolean> {
  const [row] = await tx.$queryRaw<
    Array<{ status: string }>
  >`select status from "Page" where id = ${pageId} for update`;
  return row?.status === "open";
}

function cleanMessage(message: string): string {
  const clean = message.replace(/\s+/g, " ").trim();
  if (!clean) throw new UserError("Say what the page is about: `/oncall page <team|@person> <message>`.");
  if (clean.length > MAX_PAGE_MESSAGE) {
    throw new UserError(`That page message is too long (max ${MAX_PAGE_MESSAGE} characters).`);
  }
  return clean;
}
