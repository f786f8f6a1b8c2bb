// One person's DMs of a page step, reserved before anything is sent (a PageDelivery row per
// platform where they have an identity; see deliveries.ts), and the storm limit: beyond
// `pageLimits.perPerson` pages in the window their rows are held, and the first page held in a
// window sends them one notice instead (the held-notice job).
import type { Logger } from "pino";
import { z } from "zod";
import type { PlatformName } from "../chat/invocation.ts";
import type { Db, DbTransaction } from "../db/database.ts";
import { pageDeliveryRow } from "../db/row-schemas.ts";
import { rows } from "../db/rows.ts";
import { sql } from "../db/statement.ts";
import type { Page, PageDelivery, Person } from "../generated/prisma/client.ts";
import type { JobKind, JobQueue } from "../jobs/queue.ts";
import type { OncallDirectory } from "../oncall/directory.ts";
import type { Outbox } from "../outbox/outbox.ts";
import type { People } from "../people/people.ts";
import { heldNotice } from "./messages.ts";
import { DEFAULT_PAGE_LIMITS, type PagingOptions, pageSubject } from "./model.ts";

export const PAGE_HELD_JOB = "paging.held-notice";

const heldNoticePayload = z.object({
  personId: z.string(),
  since: z.iso.datetime(),
  count: z.number().int(),
});

/** What a step's DM rows for one person came to, before sending. */
export type Reach = "deliverable" | "held" | "unreachable";

export class DmReservations {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #jobs: JobQueue;
  readonly #directory: OncallDirectory;
  readonly #people: People;
  readonly #outbox: Outbox;
  readonly #heldNoticeJob: JobKind<typeof heldNoticePayload>;

  constructor(options: PagingOptions, log: Logger) {
    this.#db = options.db;
    this.#log = log;
    this.#jobs = options.jobs;
    this.#directory = options.directory;
    this.#people = options.people;
    this.#outbox = options.outbox;
    this.#heldNoticeJob = this.#jobs.define({
      kind: PAGE_HELD_JOB,
      payload: heldNoticePayload,
      handler: (job) => this.#sendHeldNotice(job.payload),
    });
  }

  /**
   * Writes the rows of one person's DMs for a step (one per platform where they have an
   * identity), before anything is sent (see the header): `deliverable` when some row is pending or
   * already sent, `held` when the storm limit holds them all, `unreachable` when there is none.
   */
  async reserveForPerson(
    page: Page,
    step: { round: number; level: number },
    person: Person,
    now: Date,
  ): Promise<Reach> {
    const targets = (await this.#people.identities(person.id)).filter((i) => this.#outbox.runs(i.platform));
    if (targets.length === 0) {
      this.#log.warn(
        { page: page.number, personId: person.id },
        "paged person has no identity on a running platform",
      );
      return "unreachable";
    }
    let heldNoticeKey: string | undefined;
    const rows = await this.#db.$transaction(async (tx) => {
      const reserved = await this.#reserveDms(tx, page, step, person, targets, now, false);
      heldNoticeKey = reserved.heldNoticeKey;
      return reserved.rows;
    });
    if (heldNoticeKey) await this.#jobs.runNow(heldNoticeKey);
    return reachOf(rows);
  }

  /**
   * `reserveForPerson` inside the transaction that makes the page (its first level, see
   * EscalationSteps.firstInTransaction): the page is new, so there is no row to look for first.
   * The rows written, and the key of a held notice to run once the transaction has committed.
   */
  async reserveForNewPage(
    tx: DbTransaction,
    page: Page,
    step: { round: number; level: number },
    person: Person,
    now: Date,
  ): Promise<{ reach: Reach; rows: PageDelivery[]; heldNoticeKey?: string }> {
    const targets = (await this.#people.identities(person.id, tx)).filter((i) =>
      this.#outbox.runs(i.platform),
    );
    if (targets.length === 0) {
      this.#log.warn(
        { page: page.number, personId: person.id },
        "paged person has no identity on a running platform",
      );
      return { reach: "unreachable", rows: [] };
    }
    const reserved = await this.#reserveDms(tx, page, step, person, targets, now, true);
    return { reach: reachOf(reserved.rows), ...reserved };
  }

  /**
   * Writes one person's DM rows of a step, held when the storm limit says so (see the header);
   * the step's rows that exist already when it is run again. `newPage`: the page was made in
   * this transaction, so there are none to look for.
   */
  async #reserveDms(
    tx: DbTransaction,
    page: Page,
    step: { round: number; level: number },
    person: Person,
    targets: ReadonlyArray<{ platform: PlatformName; externalId: string }>,
    now: Date,
    newPage: boolean,
  ): Promise<{ rows: PageDelivery[]; heldNoticeKey?: string }> {
    const limits = this.#directory.configIfAny?.pageLimits ?? DEFAULT_PAGE_LIMITS;
    const mine = personRows(page, step, person.id);
    let heldNoticeKey: string | undefined;
    // One person at a time, so concurrent steps of a storm count each other's deliveries.
    await tx.$executeRaw(sql`select pg_advisory_xact_lock(hashtext(${`tocsin:page-person:${person.id}`}))`);
    if (!newPage) {
      const existing = await tx.pageDelivery.findMany({ where: mine });
      if (existing.length > 0) return { rows: existing };
    }
    const since = new Date(now.getTime() - limits.window);
    // The pages they got in the window and the rows, held beyond the limit, in one statement.
    const targetRows = targets.map((t) => ({
      id: crypto.randomUUID(),
      platform: t.platform,
      target: t.externalId,
    }));
    const inserted = rows(
      pageDeliveryRow.extend({ recentPages: z.number().int() }),
      await tx.$queryRaw(sql`
        with recent as (
          select count(distinct "pageId")::int as pages from "PageDelivery"
           where "personId" = ${person.id} and kind = 'dm' and state in ('pending', 'sent')
             and "createdAt" >= ${since} and "pageId" <> ${page.id})
        insert into "PageDelivery" (id, "pageId", kind, state, "personId", platform, target, level, round, "createdAt")
        select t.id, ${page.id}, 'dm',
               (case when recent.pages >= ${limits.perPerson} then 'held' else 'pending' end)::"PageDeliveryState",
               ${person.id}, t.platform, t.target, ${step.level}, ${step.round}, ${now}
          from jsonb_to_recordset(${JSON.stringify(targetRows)}::jsonb) as t(id text, platform text, target text),
               recent
        on conflict do nothing
        returning *, (select pages from recent) as "recentPages"`),
    );
    const recentPages = inserted[0]?.recentPages ?? 0;
    if (inserted[0]?.state === "held") {
      const heldBefore = await tx.pageDelivery.count({
        where: {
          personId: person.id,
          kind: "dm",
          state: "held",
          createdAt: { gte: since },
          pageId: { not: page.id },
        },
      });
      if (heldBefore === 0) {
        heldNoticeKey = `page-held:${person.id}:${now.toISOString()}`;
        await this.#heldNoticeJob.enqueue(tx, {
          key: heldNoticeKey,
          payload: { personId: person.id, since: since.toISOString(), count: recentPages },
          dueAt: now,
        });
      }
    }
    // A new page's rows are all new: those inserted are all of them (no read after it).
    const created = newPage ? inserted.map(({ recentPages: _, ...row }) => row) : undefined;
    if (page.incidentId) {
      // Paging someone about an incident names them a recipient: they take part from now on,
      // so a restricted incident is theirs to see, and its page tells no outsider it exists.
      await tx.participant.createMany({
        data: [{ incidentId: page.incidentId, personId: person.id, addedAt: now }],
        skipDuplicates: true,
      });
    }
    return { rows: created ?? (await tx.pageDelivery.findMany({ where: mine })), heldNoticeKey };
  }

  async #sendHeldNotice({ personId, since, count }: z.output<typeof heldNoticePayload>): Promise<void> {
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
}

function reachOf(rows: readonly PageDelivery[]): Reach {
  if (rows.some((row) => row.state === "pending" || row.state === "sent")) return "deliverable";
  return rows.some((row) => row.state === "held") ? "held" : "unreachable";
}

/** Where a step's DM rows for one person are (also what sendToPerson sends). */
export function personRows(page: Page, step: { round: number; level: number }, personId: string) {
  return { pageId: page.id, level: step.level, round: step.round, kind: "dm" as const, personId };
}
