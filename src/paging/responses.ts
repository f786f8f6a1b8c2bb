// Responses to a page: acknowledging and resolving, by whoever may (see paging.ts, "who may
// acknowledge or resolve"). Settling a page cancels its escalation and shows the outcome
// everywhere the page was shown.
import { recordActivity } from "../activity/activity.ts";
import { actorOf, type Origin } from "../activity/origin.ts";
import type { Clock } from "../clock.ts";
import type { Db, DbTransaction } from "../db/database.ts";
import { pageRow } from "../db/row-schemas.ts";
import { rows } from "../db/rows.ts";
import { sql } from "../db/statement.ts";
import { UserError } from "../errors.ts";
import type { Page, PageStatus, Person } from "../generated/prisma/client.ts";
import { claimEvent } from "../incidents/incidents.ts";
import { formatTime } from "../incidents/render.ts";
import type { JobQueue } from "../jobs/queue.ts";
import type { Team } from "../oncall/config.ts";
import type { OncallDirectory } from "../oncall/directory.ts";
import type { PageDeliveries } from "./deliveries.ts";
import type { PageHooks, PagingOptions } from "./model.ts";
import { escalationKeyPrefix } from "./plan.ts";

export class PageResponses {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #jobs: JobQueue;
  readonly #directory: OncallDirectory;
  readonly #timeZone: string;
  readonly #deliveries: PageDeliveries;
  readonly #hooks: PageHooks;

  constructor(options: PagingOptions, deliveries: PageDeliveries, hooks: PageHooks) {
    this.#hooks = hooks;
    this.#db = options.db;
    this.#clock = options.clock;
    this.#jobs = options.jobs;
    this.#directory = options.directory;
    this.#timeZone = options.timeZone;
    this.#deliveries = deliveries;
  }

  /** Acknowledges a page (the caller's most recent open one when no number is given). */
  async ack(origin: Origin, number?: number): Promise<Page> {
    const page =
      number === undefined
        ? await this.#latestFor(origin.actor, ["open"], "acknowledge")
        : await this.#byNumber(number);
    await this.requireMayRespond(origin.actor, page, "acknowledge");
    return this.#settle(origin, page, "acked");
  }

  /** Resolves a page (the caller's most recent open or acknowledged one when no number is given). */
  async resolve(origin: Origin, number?: number): Promise<Page> {
    const page =
      number === undefined
        ? await this.#latestFor(origin.actor, ["open", "acked"], "resolve")
        : await this.#byNumber(number);
    await this.requireMayRespond(origin.actor, page, "resolve");
    return this.#settle(origin, page, "resolved");
  }

  async #settle(origin: Origin, page: Page, to: "acked" | "resolved"): Promise<Page> {
    const now = this.#clock.now();
    const settled = await this.#db.$transaction(async (tx) => {
      await claimEvent(tx, origin);
      const [current] = rows(
        pageRow,
        await tx.$queryRaw(sql`select * from "Page" where id = ${page.id} for update`),
      );
      if (!current) throw new UserError(`There is no page #${page.number}.`, { code: "page.gone" });
      if (current.status === "resolved") {
        throw new UserError(
          `Page #${page.number} is already resolved${await this.#byWhom(current.resolvedById, current.resolvedAt)}.`,
          { code: "page.already_resolved" },
        );
      }
      if (current.status === "acked" && to === "acked") {
        throw new UserError(
          `Page #${page.number} was already acknowledged${await this.#byWhom(current.ackedById, current.ackedAt)}.`,
          { code: "page.already_acked" },
        );
      }
      const updated = await this.settleInTransaction(tx, current, to, now, origin.actor.id);
      for (const listener of this.#hooks.settled) await listener(tx, updated, to, origin.actor.id, now);
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
    await this.#jobs.runNow(outcomeKey(page.number, to));
    return settled;
  }

  /**
   * Acknowledges or resolves a page locked by the caller, in its transaction: cancels the
   * escalation and schedules showing the outcome (job `page-outcome:<number>:<status>`, run it
   * with `showOutcome` after the commit). Listeners are not told: the caller is the one acting.
   */
  async settleInTransaction(
    tx: DbTransaction,
    page: Page,
    to: "acked" | "resolved",
    now: Date,
    byPersonId: string | null,
  ): Promise<Page> {
    const updated = await tx.page.update({
      where: { id: page.id },
      data:
        to === "acked"
          ? { status: "acked", ackedAt: now, ackedById: byPersonId }
          : { status: "resolved", resolvedAt: now, resolvedById: byPersonId },
    });
    await this.#jobs.cancel(tx, escalationKeyPrefix(page.number));
    await this.#deliveries.outcomeJob.enqueue(tx, {
      key: outcomeKey(page.number, to),
      payload: { pageId: page.id },
      dueAt: now,
    });
    return updated;
  }

  /**
   * In the caller's transaction, for what a page speaks for (an alert resolved by its sender):
   * locks the page and settles it unless it already is (resolved; acked when acking). The page
   * when it changed; run `showOutcome` after the commit.
   */
  async settleIfOpen(
    tx: DbTransaction,
    pageId: string,
    to: "acked" | "resolved",
    now: Date,
    byPersonId: string | null,
  ): Promise<Page | undefined> {
    const [current] = rows(
      pageRow,
      await tx.$queryRaw(sql`select * from "Page" where id = ${pageId} for update`),
    );
    if (!current || current.status === "resolved" || (current.status === "acked" && to === "acked")) {
      return undefined;
    }
    return this.settleInTransaction(tx, current, to, now, byPersonId);
  }

  /** Shows a settled page's outcome everywhere it was shown (after settleInTransaction's commit). */
  async showOutcome(page: Pick<Page, "number">, to: "acked" | "resolved"): Promise<void> {
    await this.#jobs.runNow(outcomeKey(page.number, to));
  }

  /** Refuses, with the rule spelled out, whoever may not respond to the page (see paging.ts). */
  async requireMayRespond(
    actor: Person,
    page: Page,
    verb: string,
    what = `page #${page.number}`,
  ): Promise<void> {
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
      page.createdById
        ? `whoever made the page${nameOf(page.createdById) ? ` (${nameOf(page.createdById)})` : ""}`
        : undefined,
      teams.length ? `members and leads of ${teams.map((t) => t.name).join(", ")}` : undefined,
    ].filter(Boolean);
    throw new UserError(`Only ${parts.join(", ")} may ${verb} ${what}.`, {
      code: "page.not_yours",
    });
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
    if (!page)
      throw new UserError(`There is no page #${number}.`, {
        code: "page.not_found",
      });
    return page;
  }

  async #latestFor(actor: Person, statuses: PageStatus[], verb: string): Promise<Page> {
    const page = await this.#db.page.findFirst({
      where: {
        status: { in: statuses },
        OR: [{ targetPersonId: actor.id }, { deliveries: { some: { personId: actor.id, kind: "dm" } } }],
      },
      orderBy: { createdAt: "desc" },
    });
    if (!page) {
      throw new UserError(`You have no open page to ${verb}.`, { code: "page.none_open" });
    }
    return page;
  }

  async #byWhom(personId: string | null, at: Date | null): Promise<string> {
    const person = personId ? await this.#db.person.findUnique({ where: { id: personId } }) : null;
    return `${person ? ` by ${person.displayName}` : ""}${at ? ` at ${formatTime(at, this.#timeZone)}` : ""}`;
  }
}

function outcomeKey(pageNumber: number, to: "acked" | "resolved"): string {
  return `page-outcome:${pageNumber}:${to}`;
}
