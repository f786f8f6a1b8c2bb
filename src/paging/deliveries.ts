// Delivering pages: DMs to the people a step pages, lines in the incident's rooms, the fallback
// team's channels, notices to the page's creator, and later the ack or resolve everywhere the
// page was shown. All of it goes through the outbox, with a PageDelivery row per target written
// before sending (see paging.ts, "delivery is an outbox").
import type { Logger } from "pino";
import type { PlatformName } from "../chat/invocation.ts";
import { type Message, mentionOf } from "../chat/message.ts";
import type { Clock } from "../clock.ts";
import type { Db, DbTransaction } from "../db/database.ts";
import type { Page, PageDelivery, Person } from "../generated/prisma/client.ts";
import type { Metrics } from "../http/metrics.ts";
import { aboutIncident } from "../incidents/incident-rooms.ts";
import type { Incidents } from "../incidents/incidents.ts";
import type { OncallDirectory } from "../oncall/directory.ts";
import type { Outbox, Subject } from "../outbox/outbox.ts";
import type { People } from "../people/people.ts";
import { DmReservations, personRows, type Reach } from "./dm-reservations.ts";
import {
  type PageContext,
  pageDirectMessage,
  pageExhaustedNotice,
  pageFallbackMessage,
  pageRoomMessage,
  pageTeamPost,
  teamChannel,
} from "./messages.ts";
import { type PageHooks, type PagingOptions, pageSubject } from "./model.ts";
import { PageOutcomes } from "./page-outcomes.ts";
import type { EscalationPlan } from "./plan.ts";

// Where they were declared before the person's DM reservations had a module of their own.
export { PAGE_HELD_JOB, type Reach } from "./dm-reservations.ts";

/** Delivery rows for fallbacks and notices, which belong to no level. */
const FINAL_LEVEL = -1;
/** Delivery rows of the post in the paged team's channels made with a page that has a body. */
const TEAM_POST_LEVEL = -2;

export class PageDeliveries {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #directory: OncallDirectory;
  readonly #people: People;
  readonly #incidents: Incidents;
  readonly #outbox: Outbox;
  readonly #timeZone: string;
  readonly #metrics: Metrics | undefined;
  /** One person's DM rows of a step, under the storm limit. */
  readonly #dms: DmReservations;
  /** Shows an ack or a resolve everywhere the page was shown (enqueued by the responses). */
  readonly outcomeJob: PageOutcomes["job"];

  constructor(options: PagingOptions, hooks: PageHooks) {
    this.#db = options.db;
    this.#clock = options.clock;
    this.#log = options.log.child({ component: "paging" });
    this.#directory = options.directory;
    this.#people = options.people;
    this.#incidents = options.incidents;
    this.#outbox = options.outbox;
    this.#timeZone = options.timeZone;
    this.#metrics = options.metrics;
    this.outcomeJob = new PageOutcomes(options, hooks, this.#log).job;
    this.#dms = new DmReservations(options, this.#log);
  }

  /** See DmReservations.reserveForPerson. */
  reserveForPerson(
    page: Page,
    step: { round: number; level: number },
    person: Person,
    now: Date,
  ): Promise<Reach> {
    return this.#dms.reserveForPerson(page, step, person, now);
  }

  /** See DmReservations.reserveForNewPage. */
  reserveForNewPage(
    tx: DbTransaction,
    page: Page,
    step: { round: number; level: number },
    person: Person,
    now: Date,
  ): Promise<{ reach: Reach; rows: PageDelivery[]; heldNoticeKey?: string }> {
    return this.#dms.reserveForNewPage(tx, page, step, person, now);
  }

  /**
   * Sends one person's pending DMs of a step (each after checking the page is still open); true when at least one of them is sent or held (now or
   * before). A later step never touches these rows: a DM in flight when the next level is due
   * still completes. Only an ack or resolve stops what was not sent yet.
   */
  async sendToPerson(
    page: Page,
    step: { round: number; level: number },
    person: Person,
    pageContext: PageContext,
    reserved?: readonly PageDelivery[],
  ): Promise<boolean> {
    // `reserved`: the rows as this process wrote them just before (a new page's first level).
    const rows =
      reserved ?? (await this.#db.pageDelivery.findMany({ where: personRows(page, step, person.id) }));
    const message = pageDirectMessage({ ...pageContext, timeZone: person.timeZone ?? this.#timeZone });
    // A held DM counts as reaching its person (they get the storm summary instead): see steps.ts.
    let sent = rows.some((row) => row.state === "sent" || row.state === "held");
    for (const row of rows.filter((r) => r.state === "pending")) {
      if (!(await this.#isOpen(page.id))) break;
      // Where the DM went, kept so it can follow the page (its later signals, its ack or resolve).
      let dmRoomId: string | undefined;
      const delivered = await this.#send(row.platform, async (outbox, platform) => {
        const outcome = await outbox.directMessage(
          { platform, externalId: row.target },
          message,
          pageSubject(message),
          "page",
        );
        if (!outcome.sent || !outcome.dm) return undefined;
        dmRoomId = outcome.dm.roomId;
        return outcome.dm.messageId;
      });
      await this.#markDelivery(row.id, delivered, dmRoomId);
      sent ||= delivered.ok;
    }
    return sent;
  }

  /** Writes the rows of a step's line in every room of the page's incident. */
  async reserveRooms(page: Page, step: { round: number; level: number }, now: Date): Promise<void> {
    if (!page.incidentId) return;
    const rooms = (await this.#incidents.rooms(page.incidentId)).filter((room) =>
      this.#outbox.runs(room.platform),
    );
    if (rooms.length === 0) return;
    await this.#reserve(
      page,
      step,
      "room",
      rooms.map((room) => ({ platform: room.platform, target: room.roomId })),
      now,
    );
  }

  /** The line naming who is paged, in every room of the page's incident still pending. */
  async mentionInRooms(
    page: Page,
    step: { round: number; level: number },
    recipients: Person[],
    pageContext: PageContext,
    nobodyReason: string | undefined,
  ): Promise<void> {
    if (!page.incidentId) return;
    const rows = await this.#db.pageDelivery.findMany({
      where: { pageId: page.id, level: step.level, round: step.round, kind: "room", state: "pending" },
    });
    if (rows.length === 0) return;
    const identities = new Map(
      await Promise.all(recipients.map(async (p) => [p.id, await this.#people.identities(p.id)] as const)),
    );
    for (const row of rows) {
      if (!(await this.#isOpen(page.id))) break;
      const mentions = recipients.map((person) => {
        const identity = identities.get(person.id)?.find((i) => i.platform === row.platform);
        return identity ? mentionOf(identity.externalId) : person.displayName;
      });
      const message = pageRoomMessage(pageContext, mentions, nobodyReason);
      // The line quotes the page's text in the incident's own rooms: it is that incident's content.
      const subject = pageContext.incident ? aboutIncident(pageContext.incident) : pageSubject(message);
      await this.#markDelivery(
        row.id,
        await this.#send(row.platform, (outbox, platform) =>
          postPage(outbox, platform, row.target, message, subject),
        ),
      );
    }
  }

  /**
   * Nobody acknowledged at any level: the fallback team's channels get the page and whoever made
   * it is told. Rows of their own (level FINAL_LEVEL), so a re-run sends only what is pending.
   */
  async exhausted(page: Page, plan: EscalationPlan, pageContext: PageContext, now: Date): Promise<void> {
    const step = { round: FINAL_LEVEL, level: FINAL_LEVEL };

    const fallbackTeam = plan.fallbackTeamId ? this.#directory.findTeam(plan.fallbackTeamId) : undefined;
    let fallbackNote = "There is no fallback channel for it.";
    if (fallbackTeam) {
      const channels = Object.entries(fallbackTeam.channels).flatMap(([platform, channel]) =>
        channel !== undefined && this.#outbox.runs(platform) ? [{ platform, target: channel }] : [],
      );
      const rows = await this.#reserve(page, step, "channel", channels, now);
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
        this.#outbox.runs(i.platform),
      );
      const rows = await this.#reserve(
        page,
        step,
        "notice",
        targets.map((t) => ({ platform: t.platform, target: t.externalId, personId: page.createdById })),
        now,
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
  }

  /**
   * Posts a page that has a body (an alert) in the paged team's channels, once: the post the
   * page's later updates edit, and its ack or resolve settles.
   */
  async postInTeamChannels(
    page: Page,
    teamName: string,
    channels: Record<string, string | undefined>,
    pageContext: PageContext,
    now: Date,
  ): Promise<void> {
    const body = pageContext.body;
    if (!body) return;
    const step = { round: TEAM_POST_LEVEL, level: TEAM_POST_LEVEL };
    const targets = Object.entries(channels).flatMap(([platform, channel]) =>
      channel !== undefined && this.#outbox.runs(platform) ? [{ platform, target: channel }] : [],
    );
    if (targets.length === 0) return;
    const rows = await this.#reserve(page, step, "channel", targets, now);
    const message = pageTeamPost({ ...pageContext, body }, teamName);
    for (const row of rows.filter((r) => r.state === "pending")) {
      if (!(await this.#isOpen(page.id))) break;
      await this.#markDelivery(
        row.id,
        await this.#send(row.platform, (outbox, platform) => postPage(outbox, platform, row.target, message)),
      );
    }
  }

  /**
   * Shows a page's current body (an alert that got more signals) in the channel posts it made, by
   * editing them: no new message, no new notification. Called at most once a second per page (the
   * show job). Direct messages are not edited per signal: they follow the page's state instead
   * (its ack or resolve, PageOutcomes), which is what a person paged needs to see change; an edit
   * of every paged person's DM every second an alert fires cost a quarter of the intake's
   * throughput in the alert bench (one more Slack call and a lookup of readers' time zones per
   * page and second).
   */
  async refresh(
    page: Page,
    teamName: string,
    pageContext: PageContext,
    posts: readonly PageDelivery[],
  ): Promise<void> {
    const body = pageContext.body;
    if (!body || page.status !== "open") return;
    for (const post of posts) {
      if (!this.#outbox.runs(post.platform) || !post.messageId) continue;
      const message =
        post.level === TEAM_POST_LEVEL
          ? pageTeamPost({ ...pageContext, body }, teamName)
          : pageFallbackMessage(pageContext, teamChannel(teamName, post.platform));
      try {
        await this.#outbox.update(
          { platform: post.platform, roomId: post.target },
          post.messageId,
          message,
          pageSubject(message),
        );
      } catch (error) {
        this.#log.warn({ err: error, page: page.number, platform: post.platform }, "page post not updated");
      }
    }
  }

  /** The pages' channel posts that can be edited (sent, with a message id); see refresh. */
  editablePosts(pageIds: readonly string[]): Promise<PageDelivery[]> {
    return this.#db.pageDelivery.findMany({
      where: { pageId: { in: [...pageIds] }, kind: "channel", state: "sent", messageId: { not: null } },
    });
  }

  /** Writes pending delivery rows for targets that have none for this step; returns all of them. */
  async #reserve(
    page: Page,
    step: { round: number; level: number },
    kind: "room" | "channel" | "notice",
    targets: Array<{ platform: PlatformName; target: string; personId?: string | null }>,
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
    dmRoomId?: string,
  ): Promise<void> {
    await this.#db.pageDelivery.update({
      where: { id },
      data: delivered.ok
        ? {
            state: "sent",
            deliveredAt: this.#clock.now(),
            messageId: delivered.messageId ?? null,
            dmRoomId: dmRoomId ?? null,
          }
        : { state: "failed" },
    });
    if (delivered.ok) this.#metrics?.pages.inc({ event: "delivered" });
  }

  async #isOpen(pageId: string): Promise<boolean> {
    const page = await this.#db.page.findUnique({ where: { id: pageId }, select: { status: true } });
    return page?.status === "open";
  }
}

async function postPage(
  outbox: Outbox,
  platform: PlatformName,
  roomId: string,
  message: Message,
  subject: Subject = pageSubject(message),
): Promise<string | undefined> {
  const outcome = await outbox.post({ platform, roomId }, message, subject, "page");
  if (!outcome.sent) throw new Error(`page withheld: ${outcome.reason}`);
  return outcome.messageId;
}
