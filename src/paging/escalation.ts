// Escalation: making pages (merging storms' twins, copying the plan) and the pages declarations
// and severity raises call for; steps.ts walks each page's plan (see paging.ts).
import type { Logger } from "pino";
import { z } from "zod";
import { recordActivity } from "../activity/activity.ts";
import { type Actor, actorOf, type Origin } from "../activity/origin.ts";
import type { Clock } from "../clock.ts";
import type { Db, DbTransaction } from "../db/database.ts";
import { pageRow } from "../db/row-schemas.ts";
import { rows } from "../db/rows.ts";
import { sql } from "../db/statement.ts";
import { UserError } from "../errors.ts";
import type { Incident, Page, Person } from "../generated/prisma/client.ts";
import type { Metrics } from "../http/metrics.ts";
import { claimEvent, type Incidents } from "../incidents/incidents.ts";
import { formatSeverity, isOpen } from "../incidents/lifecycle.ts";
import type { Job, JobContext, JobKind, JobQueue, JobRow } from "../jobs/queue.ts";
import type { Team } from "../oncall/config.ts";
import type { OncallDirectory } from "../oncall/directory.ts";
import type { Outbox } from "../outbox/outbox.ts";
import type { People } from "../people/people.ts";
import type { PageDeliveries } from "./deliveries.ts";
import {
  DECLARED_PAGE_GRACE_MS,
  type FirstStep,
  MAX_PAGE_MESSAGE,
  type PageBody,
  type PageHooks,
  type PageOutcome,
  type PageRequest,
  type PagingOptions,
} from "./model.ts";
import { directPlan, type EscalationPlan, planFromPolicy, stepKey } from "./plan.ts";
import { EscalationSteps } from "./steps.ts";

export const DECLARED_PAGE_JOB = "paging.declared-incident";

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
  readonly #metrics: Metrics | undefined;
  readonly #steps: EscalationSteps;
  readonly #declaredPageJob: JobKind<typeof declaredPagePayload>;

  constructor(options: PagingOptions, deliveries: PageDeliveries, hooks: PageHooks) {
    this.#db = options.db;
    this.#clock = options.clock;
    this.#log = options.log.child({ component: "paging" });
    this.#jobs = options.jobs;
    this.#directory = options.directory;
    this.#people = options.people;
    this.#incidents = options.incidents;
    this.#outbox = options.outbox;
    this.#metrics = options.metrics;
    this.#steps = new EscalationSteps(options, deliveries, hooks);
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
   * A team page made inside the caller's transaction (an alert's page job), merged like any
   * page. Its escalation starts with `startEscalation` once the caller has committed.
   */
  createTeamPage(
    tx: DbTransaction,
    actor: Actor,
    team: Team,
    message: string,
    now: Date,
    body?: PageBody,
    teamLocked = false,
  ): Promise<PageOutcome> {
    return this.#create(tx, actor, { target: { kind: "team", team }, message: cleanMessage(message) }, now, {
      body,
      teamLocked,
    });
  }

  /** After the commit of a page createTeamPage made: its first level's sending (see steps.ts). */
  startFirst(first: FirstStep): Promise<void> {
    return this.#steps.startFirst(first);
  }

  /**
   * The declaration's page job, written in the declaration's statement: when the owning team
   * pages for this severity, a job will page its on-call. The declare command runs that job as
   * soon as the incident's room is open (pageDeclaredIncident); if tocsin dies first, the job
   * runs on its own after a grace period, so a declared SEV1 is never left unpaged.
   */
  declaredPageJobs(
    incident: Pick<Incident, "id" | "teamId" | "severity">,
    now: Date,
    actor: Actor,
  ): JobRow[] {
    const team = incident.teamId ? this.#directory.findTeam(incident.teamId) : undefined;
    if (!team?.paging.severities.includes(incident.severity)) return [];
    return this.#declaredPageJob.rows([
      {
        key: declaredPageKey(incident.id),
        payload: { incidentId: incident.id, actor: { ...actor } },
        dueAt: new Date(now.getTime() + DECLARED_PAGE_GRACE_MS),
      },
    ]);
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
    // The rule declaredPageJobs applied in the declaration: no job, no page to look for.
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
    /**
     * Set: the first level is paged in this transaction (steps.ts, firstInTransaction);
     * `teamLocked`: the caller holds the team's page lock already (TEAM_PAGE_LOCK_PREFIX).
     */
    inline?: { body?: PageBody; teamLocked?: boolean },
  ): Promise<PageOutcome> {
    const { target, message, incident } = request;
    const config = this.#directory.config;
    const limits = config.pageLimits;
    const lockKey =
      target.kind === "team"
        ? `${TEAM_PAGE_LOCK_PREFIX}${target.team.id}`
        : `tocsin:page-target:person:${target.person.id}`;
    // Identical pages racing in (an alert storm, two replicas) are merged one after the other.
    if (!inline?.teamLocked) await tx.$executeRaw(sql`select pg_advisory_xact_lock(hashtext(${lockKey}))`);
    let plan: EscalationPlan;
    let teamId: string | null = null;
    if (target.kind === "team") {
      const policy = config.escalationPolicies.find((p) => p.id === target.team.escalationPolicy);
      if (!policy)
        throw new Error(`team ${target.team.id} has no escalation policy ${target.team.escalationPolicy}`);
      plan = planFromPolicy(policy, (id) => this.#directory.personIdOf(id), config.timeIntervals);
      teamId = target.team.id;
    } else {
      plan = directPlan(target.person.id);
    }
    // Its twin merged, or the page made: one statement (the lock above orders the twins).
    const sameTarget =
      target.kind === "team"
        ? sql`"teamId" = ${target.team.id} and "targetPersonId" is null`
        : sql`"targetPersonId" = ${target.person.id}`;
    const [made] = rows(
      pageRow.extend({ merged: z.boolean() }),
      await tx.$queryRaw(sql`
        with twin as (
          select id from "Page"
           where status = 'open' and message = ${message} and "incidentId" is not distinct from ${incident?.id ?? null}::text
             and "createdAt" >= ${new Date(now.getTime() - limits.mergeWithin)} and ${sameTarget}
           order by "createdAt" desc limit 1),
        merged as (
          update "Page" set "mergedCount" = "mergedCount" + 1 where id in (select id from twin)
          returning *, true as merged),
        made as (
          insert into "Page" (id, "teamId", "policyId", "targetPersonId", plan, "incidentId", message, "createdById", "createdAt")
          select ${crypto.randomUUID()}::text, ${teamId}::text, ${plan.policyId}::text,
                 ${target.kind === "person" ? target.person.id : null}::text, ${JSON.stringify(plan)}::jsonb,
                 ${incident?.id ?? null}::text, ${message}::text, ${actor.personId}::text, ${now}::timestamptz
           where not exists (select 1 from twin)
          returning *, false as merged)
        select * from merged union all select * from made`),
    );
    if (!made) throw new Error("a page was neither merged nor made");
    const { merged, ...page } = made;
    if (merged) return { page, merged: true };

    let first: FirstStep | undefined;
    if (inline && !page.incidentId) first = await this.#steps.firstInTransaction(tx, page, now, inline.body);
    else await this.#steps.enqueueFirst(tx, page, now);
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
    return { page, merged: false, first };
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
}

/** The advisory lock key of a team's pages, before the team id (see #create). */
export const TEAM_PAGE_LOCK_PREFIX = "tocsin:page-target:team:";

export function declaredPageKey(incidentId: string): string {
  return `incident:${incidentId}:page`;
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
