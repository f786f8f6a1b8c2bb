// Pages made for something else (an alert, see PageBody): when made, they are posted in the
// paged team's channels before the first level is paged; when what they speak for changes,
// those posts (and the page's DMs) are edited rather than posted again (see paging.ts for the rest
// of a page's life).
import type { Clock } from "../clock.ts";
import type { Db } from "../db/database.ts";
import type { Page, PageDelivery } from "../generated/prisma/client.ts";
import type { Metrics } from "../http/metrics.ts";
import type { Incidents } from "../incidents/incidents.ts";
import type { JobQueue } from "../jobs/queue.ts";
import type { OncallDirectory } from "../oncall/directory.ts";
import type { PageDeliveries } from "./deliveries.ts";
import type { PageContext } from "./messages.ts";
import type { PageHooks, PagingOptions } from "./model.ts";
import { describePosition, escalationPlanSchema, stepKey } from "./plan.ts";

export class PagePosts {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #jobs: JobQueue;
  readonly #directory: OncallDirectory;
  readonly #incidents: Incidents;
  readonly #timeZone: string;
  readonly #metrics: Metrics | undefined;
  readonly #deliveries: PageDeliveries;
  readonly #hooks: PageHooks;

  constructor(options: PagingOptions, deliveries: PageDeliveries, hooks: PageHooks) {
    this.#db = options.db;
    this.#clock = options.clock;
    this.#jobs = options.jobs;
    this.#directory = options.directory;
    this.#incidents = options.incidents;
    this.#timeZone = options.timeZone;
    this.#metrics = options.metrics;
    this.#deliveries = deliveries;
    this.#hooks = hooks;
  }

  /**
   * Starts a committed page's escalation (its first level now) and, when the page has a body (an
   * alert), posts it in the team's channels first.
   */
  async start(page: Page, sendFirst?: () => Promise<void>): Promise<void> {
    this.#metrics?.pages.inc({ event: "created" });
    const team = page.teamId ? this.#directory.findTeam(page.teamId) : undefined;
    // A team without channels has nowhere to post: its body and context are not read.
    if (team && Object.values(team.channels).some((channel) => channel !== undefined)) {
      const pageContext = await this.#contextOf(page, "new page");
      await this.#deliveries.postInTeamChannels(
        page,
        team.name,
        team.channels,
        pageContext,
        this.#clock.now(),
      );
    }
    // The first level was written with the page (sendFirst), or is its first step job.
    if (sendFirst) await sendFirst();
    else await this.#jobs.runNow(stepKey(page.number, 0, 0));
  }

  /**
   * Shows pages' current bodies where their posts and DMs can be edited (see
   * PageDeliveries.refresh), `atOnce` pages at a time. The posts first, in one read for all: a
   * page with none to edit (a team without channels, DMs on a platform that cannot edit them)
   * costs nothing more, not its body (which reads what it speaks for) and its context.
   */
  async refreshAll(pageIds: readonly string[], atOnce: number): Promise<void> {
    if (pageIds.length === 0) return;
    const posts = await this.#deliveries.editablePosts([...new Set(pageIds)]);
    const byPage = new Map<string, PageDelivery[]>();
    for (const post of posts) byPage.set(post.pageId, [...(byPage.get(post.pageId) ?? []), post]);
    const waiting = [...byPage];
    const editor = async () => {
      for (let next = waiting.shift(); next; next = waiting.shift()) await this.#refresh(...next);
    };
    await Promise.all(Array.from({ length: Math.min(Math.max(1, atOnce), waiting.length) }, editor));
  }

  async #refresh(pageId: string, posts: readonly PageDelivery[]): Promise<void> {
    const page = await this.#db.page.findUnique({ where: { id: pageId } });
    const team = page?.teamId ? this.#directory.findTeam(page.teamId) : undefined;
    if (!page || !team || page.status !== "open") return;
    const plan = escalationPlanSchema.safeParse(page.plan);
    const position = plan.success ? describePosition(plan.data, page.round, page.level) : "escalating";
    await this.#deliveries.refresh(page, team.name, await this.#contextOf(page, position), posts);
  }

  async #contextOf(page: Page, position: string): Promise<PageContext> {
    const incident = page.incidentId ? await this.#incidents.findById(page.incidentId) : null;
    const creator = page.createdById
      ? await this.#db.person.findUnique({ where: { id: page.createdById } })
      : null;
    return {
      page,
      incident,
      from: creator?.displayName ?? "tocsin",
      position,
      timeZone: this.#timeZone,
      body: await this.#hooks.content?.(page),
    };
  }
}
