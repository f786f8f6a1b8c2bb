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
//   (its due time, or later if it ran late), so everyone gets their full time to acknowledge;
//   `repeatAfter` before a new round when the policy gives it.
// - A level that reaches nobody is skipped: the next level is due at once, and the incident's
//   timeline (else the audit log) and the log say `page #3: level 2 skipped: <why>`. Nobody is:
//   no one on call, no identity on a running platform, every DM held by the storm limit, every
//   DM refused by the platform (found out while sending: the next step is then hurried), or the
//   instant outside the level's Alertmanager-style time intervals (src/oncall/time-intervals.ts;
//   `activeTimeIntervals` / `muteTimeIntervals`, copied into the plan).
// - Sending is a job of its own (`page:<number>:deliver:<round>:<level>`), enqueued with the
//   next step after the level's deliveries are written: the next level never waits for a slow
//   platform, and never cancels a DM of this level still being sent.
// - An alert's page (createTeamPage) does its first level in the transaction that makes it,
//   writing the same rows and jobs a step would (steps.ts, firstInTransaction), with its sending
//   inserted already claimed by this worker: startEscalation sends right after the commit, in the
//   same job. A death in between leaves the sending leased; once the lease expires any worker
//   sends what is still pending.
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
//   room of the incident) in state `pending`, then sends, then marks the row `sent`. Page DMs
//   and posts are urgent in the outbox: ahead of a room's waiting housekeeping (src/chat/lanes.ts). The unique
//   key (page, level, round, platform, target) makes the rows idempotent: a step run again after
//   a crash sends only what is still pending. A DM can be sent twice only if the process dies
//   between the platform accepting it and the row being marked sent (milliseconds); it is
//   never lost.
// - Ack and resolve are shown everywhere the page was shown: a line in every DM, room and
//   channel with a sent delivery, and the page's room messages and DMs (where the platform can
//   edit them) updated without their buttons.
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
import type { Actor, Origin } from "../activity/origin.ts";
import type { DbTransaction } from "../db/database.ts";
import type { Incident, Page, Person } from "../generated/prisma/client.ts";
import type { JobRow } from "../jobs/queue.ts";
import type { Team } from "../oncall/config.ts";
import { PageDeliveries } from "./deliveries.ts";
import { Escalation } from "./escalation.ts";
import type { PageRow } from "./messages.ts";
import type {
  PageBody,
  PageContent,
  PageHooks,
  PageOutcome,
  PageRequest,
  PagingOptions,
  SettledListener,
} from "./model.ts";
import { PagePosts } from "./page-posts.ts";
import { PageQueries } from "./queries.ts";
import { PageResponses } from "./responses.ts";

export { TEAM_PAGE_LOCK_PREFIX } from "./escalation.ts";
export type {
  PageBody,
  PageContent,
  PageOutcome,
  PageRequest,
  PageTarget,
  PagingOptions,
  SettledListener,
} from "./model.ts";

/**
 * The paging desk as commands and the incident lifecycle see it: escalation.ts makes pages,
 * steps.ts walks their plans, deliveries.ts sends them, responses.ts takes acks and resolves,
 * queries.ts reads them.
 */
export class Paging {
  readonly #escalation: Escalation;
  readonly #responses: PageResponses;
  readonly #queries: PageQueries;
  readonly #posts: PagePosts;
  readonly #hooks: PageHooks = { settled: [] };

  constructor(options: PagingOptions) {
    const deliveries = new PageDeliveries(options, this.#hooks);
    this.#escalation = new Escalation(options, deliveries, this.#hooks);
    this.#responses = new PageResponses(options, deliveries, this.#hooks);
    this.#posts = new PagePosts(options, deliveries, this.#hooks);
    this.#queries = new PageQueries(options);
  }

  /** A page from a command (`/oncall page`, `/inc page`). Its first step runs before this returns. */
  page(origin: Origin, request: PageRequest): Promise<PageOutcome> {
    return this.#escalation.page(origin, request);
  }

  /** For the declaration's statement: a job that pages the owning team if its severity pages. */
  declaredPageJobs(
    incident: Pick<Incident, "id" | "teamId" | "severity">,
    now: Date,
    actor: Actor,
  ): JobRow[] {
    return this.#escalation.declaredPageJobs(incident, now, actor);
  }

  /** In a severity change's transaction: the same job when the raise enters the paging severities. */
  scheduleRaisedSeverityPage(
    tx: DbTransaction,
    incident: Incident,
    from: number,
    now: Date,
    actor: Actor,
  ): Promise<void> {
    return this.#escalation.scheduleRaisedSeverityPage(tx, incident, from, now, actor);
  }

  /** Runs the page a severity raise scheduled, now; the page, if this made one. */
  pageRaisedIncident(incident: Incident): Promise<Page | undefined> {
    return this.#escalation.pageRaisedIncident(incident);
  }

  /** Pages the declared incident's team now (if its severity pages); the page, if one was made. */
  pageDeclaredIncident(incident: Incident): Promise<Page | undefined> {
    return this.#escalation.pageDeclaredIncident(incident);
  }

  /** Acknowledges a page (the caller's most recent open one when no number is given). */
  ack(origin: Origin, number?: number): Promise<Page> {
    return this.#responses.ack(origin, number);
  }

  /** Resolves a page (the caller's most recent open or acknowledged one when no number is given). */
  resolve(origin: Origin, number?: number): Promise<Page> {
    return this.#responses.resolve(origin, number);
  }

  // ---- for what pages speak for (alerts: src/alerts/) -----------------------------------------

  /** Gives pages made for something else (an alert) their body: content, buttons and label. */
  setContent(content: PageContent): void {
    this.#hooks.content = content;
  }

  /** Told inside the transaction of every ack and resolve by a person (`/oncall ack`). */
  onSettled(listener: SettledListener): void {
    this.#hooks.settled.push(listener);
  }

  /** A team page made inside the caller's transaction, merged like any; then `startEscalation`. */
  createTeamPage(
    tx: DbTransaction,
    actor: Actor,
    team: Team,
    message: string,
    now: Date,
    body?: PageBody,
    teamLocked = false,
  ): Promise<PageOutcome> {
    return this.#escalation.createTeamPage(tx, actor, team, message, now, body, teamLocked);
  }

  /**
   * After the commit that made the page: posts it in its team's channels and sends its first
   * level (written by createTeamPage in that commit).
   */
  startEscalation(outcome: PageOutcome): Promise<void> {
    const first = outcome.first;
    return this.#posts.start(outcome.page, first ? () => this.#escalation.startFirst(first) : undefined);
  }

  /** Edits the page's posts to show its current body (no new message, no notification). */
  refresh(pageId: string): Promise<void> {
    return this.#posts.refreshAll([pageId], 1);
  }

  /** `refresh` for many pages: one read finds which have posts; `atOnce` pages edited at a time. */
  refreshAll(pageIds: readonly string[], atOnce: number): Promise<void> {
    return this.#posts.refreshAll(pageIds, atOnce);
  }

  /** In the caller's transaction: settles the page unless it already is; the page when it changed. */
  settleIfOpen(
    tx: DbTransaction,
    pageId: string,
    to: "acked" | "resolved",
    now: Date,
    byPersonId: string | null,
  ): Promise<Page | undefined> {
    return this.#responses.settleIfOpen(tx, pageId, to, now, byPersonId);
  }

  /** After settleIfOpen's commit: shows the outcome everywhere the page was shown. */
  showOutcome(page: Pick<Page, "number">, to: "acked" | "resolved"): Promise<void> {
    return this.#responses.showOutcome(page, to);
  }

  /** Refuses whoever may not respond to the page, with the rule spelled out for `what`. */
  requireMayRespond(actor: Person, page: Page, verb: string, what?: string): Promise<void> {
    return this.#responses.requireMayRespond(actor, page, verb, what);
  }

  /** Pages not resolved yet, newest first, as table rows. */
  openPages(limit?: number): Promise<PageRow[]> {
    return this.#queries.openPages(limit);
  }
}
