// What an alert's signals cause in chat, as durable jobs enqueued by the statement that stored
// them (see store.ts): page the team when it fires (one page per alert, however many signals),
// show later signals by editing that page's posts, settle the page when the sender acknowledges
// or resolves, and say so in a linked incident's rooms.
//
// Job keys (one row each, so a storm folds into few jobs):
//   alert:<id>:open          the first page, due at once
//   alerts:show:<second>     later signals of any alerts within one second: at the end of it,
//                            one job reads those alerts in one statement and edits each page's
//                            posts once (coalesced: a page shows its latest signal, at most one
//                            edit per second, however many signals and alerts arrived)
//   alert:<id>:acked|resolved the sender acknowledged or resolved it, due at once
// (alert:<id>:sync:<second>, one job per alert and second, is what earlier versions enqueued;
// its handler stays for the rows they left.)
import type { Logger } from "pino";
import { z } from "zod";
import type { Actor } from "../activity/origin.ts";
import type { DbTransaction } from "../db/database.ts";
import { rows } from "../db/rows.ts";
import { sql } from "../db/statement.ts";
import type { Alert, Page } from "../generated/prisma/client.ts";
import { storedTlp } from "../incidents/tlp.ts";
import type { Job, JobContext, JobKind } from "../jobs/queue.ts";
import { type PageOutcome, TEAM_PAGE_LOCK_PREFIX } from "../paging/paging.ts";
import {
  ALERT_PAGE_JOB,
  ALERT_SHOW_JOB,
  openKey,
  pagePayload,
  settleKey,
  showLock,
  showPayload,
  UPDATE_WINDOW_MS,
} from "./alert-jobs.ts";
import { alertPageBody, alertPageMessage, resolvedInIncidentRoom } from "./alert-messages.ts";
import { alertRow } from "./alert-rows.ts";
import type { AlertDeskDeps } from "./desk-deps.ts";

export { ALERT_PAGE_JOB, ALERT_SHOW_JOB, UPDATE_WINDOW_MS };

/** Pages whose posts are edited at once by a show job (each edit waits for its platform). */
const EDITS_AT_ONCE = 8;

/** What decides a page job's work without a lock (see #sync and #show). */
const showRow = z.object({
  id: z.string(),
  status: z.string(),
  silencedUntil: z.date().nullable(),
  pageId: z.string().nullable(),
  pageStatus: z.string().nullable(),
});
const syncState = z.object({
  status: z.string(),
  silencedUntil: z.date().nullable(),
  pageId: z.string().nullable(),
  pageStatus: z.string().nullable(),
});

export type AlertPagesOptions = Pick<
  AlertDeskDeps,
  "db" | "clock" | "log" | "jobs" | "paging" | "directory" | "incidents" | "rooms" | "timeZone"
>;

/** The actor of what the desk does on its own (pages for alerts, auto-declared incidents). */
export function alertActor(alert: Pick<Alert, "number">): Actor {
  return { personId: null, platform: "tocsin", roomId: null, correlationId: `alert-${alert.number}` };
}

export class AlertPages {
  readonly #o: AlertPagesOptions;
  readonly #log: Logger;
  readonly #job: JobKind<typeof pagePayload>;

  constructor(options: AlertPagesOptions) {
    this.#o = options;
    this.#log = options.log.child({ component: "alerts" });
    this.#job = options.jobs.define({
      kind: ALERT_PAGE_JOB,
      payload: pagePayload,
      handler: (job, ctx) => this.#sync(job, ctx),
    });
    // Enqueued by the intake's batches (alert-jobs.ts), run here.
    options.jobs.define({
      kind: ALERT_SHOW_JOB,
      payload: showPayload,
      handler: async (job, ctx) => {
        await this.#takeWindow(job.id, job.payload.window);
        await this.#show(job.payload.window, ctx);
      },
    });
    options.paging.setContent((page) => this.#body(page));
  }

  /** Enqueues showing a resolution made by a person (inside their transaction); run it with runResolved. */
  async enqueueResolved(tx: DbTransaction, alertId: string, now: Date): Promise<void> {
    await this.#job.enqueue(tx, { key: settleKey(alertId, "resolved"), payload: { alertId }, dueAt: now });
  }

  runResolved(alertId: string): Promise<boolean> {
    return this.#o.jobs.runNow(settleKey(alertId, "resolved"));
  }

  runOpened(alertId: string): Promise<boolean> {
    return this.#o.jobs.runNow(openKey(alertId));
  }

  /** The alert a page speaks for (its body), if any. */
  async #body(page: Page) {
    if (page.createdById !== null || !page.teamId) return undefined;
    const alert = await this.#o.db.alert.findUnique({ where: { pageId: page.id } });
    return alert ? alertPageBody(alert, this.#o.timeZone) : undefined;
  }

  async #sync(job: Job<z.output<typeof pagePayload>>, ctx: JobContext): Promise<void> {
    // A new alert's first job almost always opens its page, which is decided under the lock.
    if (job.key === openKey(job.payload.alertId))
      return this.#settleOrOpen(job.payload.alertId, job.key, ctx);
    // Most runs show later signals of a firing alert on its open page: an edit, which needs no
    // lock (it shows whatever is current), so one read decides it without a transaction.
    const [state] = rows(
      syncState,
      await this.#o.db.$queryRaw(sql`
        select a.status::text as status, a."silencedUntil", a."pageId", p.status::text as "pageStatus"
          from "Alert" a left join "Page" p on p.id = a."pageId"
         where a.id = ${job.payload.alertId}`),
    );
    if (!state) return;
    if (state.status === "firing" && state.pageId && state.pageStatus === "open") {
      if (state.silencedUntil && state.silencedUntil > ctx.now) return;
      await this.#o.paging.refresh(state.pageId);
      return;
    }
    await this.#settleOrOpen(job.payload.alertId, job.key, ctx);
  }

  /**
   * Before a show job reads its second's alerts: its key moves aside (`alerts:show:<second>:<id>`),
   * so a batch of that second committing from now on makes a job of its own, and the window's
   * lock, taken exclusively, waits for every batch that found the key taken until it committed.
   * Without both, a batch that committed after the read lost its signal's edit for good (done
   * jobs keep their key: its insert found it taken).
   */
  async #takeWindow(jobId: string, window: number): Promise<void> {
    await this.#o.db.$executeRaw(sql`
      update "Job" set key = key || ':' || id
       where id = ${jobId} and key = ${`alerts:show:${window}`}
         and exists (select from pg_advisory_xact_lock(hashtext(${showLock(window)})))`);
  }

  /**
   * Shows the signals of one second: every alert they left firing or acknowledged, read in one
   * statement among the open alerts (the partial index Alert_open_number_idx; no index holds
   * lastSignalAt, which every signal writes: schema.prisma). A firing alert's open page gets its posts
   * edited; any other state (acknowledged, silenced, its page settled by a person) is decided
   * under the alert's lock as a later signal always was.
   */
  async #show(window: number, ctx: JobContext): Promise<void> {
    const signalled = rows(
      showRow,
      await this.#o.db.$queryRaw(sql`
        select a.id, a.status::text as status, a."silencedUntil", a."pageId", p.status::text as "pageStatus"
          from "Alert" a left join "Page" p on p.id = a."pageId"
         where a.status in ('firing', 'acked')
           and a."lastSignalAt" >= ${new Date(window - UPDATE_WINDOW_MS)} and a."lastSignalAt" < ${new Date(window)}
         order by a.number`),
    );
    const edits: string[] = [];
    for (const alert of signalled) {
      if (alert.status === "firing" && alert.pageId && alert.pageStatus === "open") {
        if (!(alert.silencedUntil && alert.silencedUntil > ctx.now)) edits.push(alert.pageId);
      } else {
        await this.#settleOrOpen(alert.id, undefined, ctx);
      }
    }
    await this.#o.paging.refreshAll(edits, EDITS_AT_ONCE);
  }

  /**
   * The alert was acknowledged or resolved, or has no open page: decided under its row lock.
   * `jobKey`: the key of the job doing it (a settle job says so in a linked incident's room).
   */
  async #settleOrOpen(alertId: string, jobKey: string | null | undefined, ctx: JobContext): Promise<void> {
    const { db, paging, directory } = this.#o;
    let made: PageOutcome | undefined;
    let settled: { page: Page; to: "acked" | "resolved" } | undefined;
    let refresh: string | undefined;
    let resolvedAlert: Alert | undefined;
    await db.$transaction(async (tx) => {
      const [alert] = rows(
        alertRow,
        // A firing alert may open a page: its team's page lock (the one createTeamPage orders
        // identical pages by, see teamPageLockKey) is taken in the same statement.
        await tx.$queryRaw(sql`
          select *, case when status = 'firing' and "teamId" is not null
                         then (select true from pg_advisory_xact_lock(hashtext(${TEAM_PAGE_LOCK_PREFIX} || "teamId"))) end as locked
            from "Alert" where id = ${alertId} for update`),
      );
      if (!alert) return;
      const page = alert.pageId ? await tx.page.findUnique({ where: { id: alert.pageId } }) : null;
      if (alert.status === "resolved" || alert.status === "acked") {
        const to = alert.status;
        const changed = page
          ? await paging.settleIfOpen(
              tx,
              page.id,
              to,
              ctx.now,
              to === "resolved" ? alert.resolvedById : alert.ackedById,
            )
          : undefined;
        if (changed) settled = { page: changed, to };
        if (to === "resolved" && alert.incidentId && jobKey === settleKey(alert.id, "resolved"))
          resolvedAlert = alert;
        return;
      }
      if (alert.silencedUntil && alert.silencedUntil > ctx.now) return;
      if (page?.status === "open") {
        refresh = page.id;
        return;
      }
      const team = alert.teamId ? directory.findTeam(alert.teamId) : undefined;
      if (!team) {
        this.#log.warn({ alert: alert.number, teamId: alert.teamId }, "alert not paged: no configured team");
        return;
      }
      // The body its first DM shows, from the row in hand (the page's content hook reads it).
      const outcome = await paging.createTeamPage(
        tx,
        alertActor(alert),
        team,
        alertPageMessage(alert),
        ctx.now,
        alertPageBody(alert, this.#o.timeZone),
        true,
      );
      // The alert's page, and the end of its own job (not a show job's, which goes on to other
      // alerts) with the page, in one statement.
      await tx.$executeRaw(sql`
        with done as (${jobKey ? ctx.completion() : sql`select 1`})
        update "Alert" set "pageId" = ${outcome.page.id} where id = ${alert.id}`);
      if (!outcome.merged) made = outcome;
    });
    if (made) await paging.startEscalation(made);
    if (settled) await paging.showOutcome(settled.page, settled.to);
    if (refresh) await paging.refresh(refresh);
    if (resolvedAlert) await this.#sayResolved(resolvedAlert);
  }

  async #sayResolved(alert: Alert): Promise<void> {
    if (!alert.incidentId) return;
    const incident = await this.#o.incidents.findById(alert.incidentId);
    if (!incident) return;
    const by = alert.resolvedById
      ? (await this.#o.db.person.findUnique({ where: { id: alert.resolvedById } }))?.displayName
      : undefined;
    const line = resolvedInIncidentRoom(alert, storedTlp(incident.tlp), by, this.#o.timeZone);
    await this.#o.rooms.announce(incident.id, line, { refreshSummary: false });
  }
}
