// What people do with alerts: list and show them, acknowledge, resolve, silence, link them to an
// incident. Who may act on an alert: anyone its page reached and the members and leads of its
// team (paging's rule, spelled out when refusing); an alert without a team, anyone with the
// command's role. Acking or resolving an alert with an open page goes through the page, so both
// show it; acking or resolving the page (`/oncall ack n`) follows into the alert (onSettled).
import type { Logger } from "pino";
import { recordActivity } from "../activity/activity.ts";
import { actorOf, type Origin } from "../activity/origin.ts";
import type { Clock } from "../clock.ts";
import type { Db, DbTransaction } from "../db/database.ts";
import { rows } from "../db/rows.ts";
import { sql } from "../db/statement.ts";
import { UserError } from "../errors.ts";
import type { Alert, Incident, Page, Person } from "../generated/prisma/client.ts";
import { claimEvent } from "../incidents/incidents.ts";
import { formatTime } from "../incidents/render.ts";
import type { OncallDirectory } from "../oncall/directory.ts";
import type { Paging } from "../paging/paging.ts";
import type { AlertRow } from "./alert-messages.ts";
import type { AlertPages } from "./alert-pages.ts";
import { alertRow } from "./alert-rows.ts";

/** Longest silence: a week (a longer quiet is a change to the monitoring, not a silence). */
export const MAX_SILENCE_MS = 7 * 24 * 3_600_000;

export interface AlertActionsOptions {
  db: Db;
  clock: Clock;
  log: Logger;
  paging: Paging;
  directory: OncallDirectory;
  pages: AlertPages;
  timeZone: string;
}

export class AlertActions {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #paging: Paging;
  readonly #directory: OncallDirectory;
  readonly #pages: AlertPages;
  readonly #timeZone: string;

  constructor(options: AlertActionsOptions) {
    this.#db = options.db;
    this.#clock = options.clock;
    this.#paging = options.paging;
    this.#directory = options.directory;
    this.#pages = options.pages;
    this.#timeZone = options.timeZone;
    options.paging.onSettled((tx, page, to, by, now) => this.#followPage(tx, page, to, by, now));
  }

  /** Alerts not resolved, newest first, with their team's name. */
  async open(limit = 50): Promise<AlertRow[]> {
    // SQL, the statuses written as literals: only then can PostgreSQL prove the filter implies
    // the predicate of the partial index Alert_open_number_idx (schema.prisma). Prisma sends an
    // enum as CAST($1::text AS "AlertStatus"), which it cannot, and read every alert ever stored.
    const alerts = rows(
      alertRow,
      await this.#db.$queryRaw(sql`
        select * from "Alert" where status in ('firing', 'acked')
         order by "lastSignalAt" desc limit ${limit}`),
    );
    return alerts.map((alert) => ({ alert, team: this.#teamName(alert) }));
  }

  async find(number: number): Promise<Alert> {
    const alert = await this.#db.alert.findUnique({ where: { number } });
    if (!alert) throw new UserError(`There is no alert #${number}.`, { code: "alert.not_found" });
    return alert;
  }

  /** What `/alert show` says besides the content: its page, who acked, silence, incident. */
  async facts(
    alert: Alert,
  ): Promise<{ page?: string; acked?: string; silenced?: string; incident?: Incident }> {
    const [page, acker, incident] = await Promise.all([
      alert.pageId ? this.#db.page.findUnique({ where: { id: alert.pageId } }) : null,
      alert.ackedById ? this.#db.person.findUnique({ where: { id: alert.ackedById } }) : null,
      alert.incidentId ? this.#db.incident.findUnique({ where: { id: alert.incidentId } }) : null,
    ]);
    const now = this.#clock.now();
    return {
      page: page ? `Page #${page.number} (${page.status})` : alert.teamId ? undefined : "No team to page",
      acked: alert.ackedAt
        ? `Acknowledged by ${acker?.displayName ?? "its sender"} at ${formatTime(alert.ackedAt, this.#timeZone)}`
        : undefined,
      silenced:
        alert.silencedUntil && alert.silencedUntil > now
          ? `Silenced until ${formatTime(alert.silencedUntil, this.#timeZone)}`
          : undefined,
      // Named by alertShown only to an audience that may see it.
      incident: incident ?? undefined,
    };
  }

  async ack(origin: Origin, number: number): Promise<Alert> {
    const alert = await this.find(number);
    if (alert.status === "resolved") throw alreadyResolved(alert);
    if (alert.status === "acked") {
      throw new UserError(`Alert #${number} was already acknowledged.`, { code: "alert.already_acked" });
    }
    const page = await this.#requireMayAct(origin.actor, alert, "acknowledge");
    if (page?.status === "open") {
      await this.#paging.ack(origin, page.number);
      return this.find(number);
    }
    return this.#change(origin, alert, "alert.ack", async (tx, current, now) => {
      if (current.status !== "firing") throw alreadyResolved(current);
      return tx.alert.update({
        where: { id: current.id },
        data: { status: "acked", ackedAt: now, ackedById: origin.actor.id },
      });
    });
  }

  async resolve(origin: Origin, number: number): Promise<Alert> {
    const alert = await this.find(number);
    if (alert.status === "resolved") throw alreadyResolved(alert);
    const page = await this.#requireMayAct(origin.actor, alert, "resolve");
    if (page && page.status !== "resolved") {
      await this.#paging.resolve(origin, page.number);
    } else {
      await this.#change(origin, alert, "alert.resolve", async (tx, current, now) => {
        if (current.status === "resolved") throw alreadyResolved(current);
        const updated = await resolveRow(tx, current.id, now, origin.actor.id);
        await this.#pages.enqueueResolved(tx, current.id, now);
        return updated;
      });
    }
    await this.#pages.runResolved(alert.id);
    return this.find(number);
  }

  /**
   * No page, repeat or escalation while silenced: its page is acknowledged now (by the caller);
   * a trigger after the silence ends pages again.
   */
  async silence(origin: Origin, number: number, forMs: number): Promise<Alert> {
    if (forMs <= 0 || forMs > MAX_SILENCE_MS) {
      throw new UserError("Silence an alert for a minute up to 7 days (`for:2h`).", {
        code: "alert.silence_length",
      });
    }
    const alert = await this.find(number);
    if (alert.status === "resolved") throw alreadyResolved(alert);
    await this.#requireMayAct(origin.actor, alert, "silence");
    let settled: Page | undefined;
    const silenced = await this.#change(origin, alert, "alert.silence", async (tx, current, now) => {
      if (current.pageId)
        settled = await this.#paging.settleIfOpen(tx, current.pageId, "acked", now, origin.actor.id);
      return tx.alert.update({
        where: { id: current.id },
        data: { silencedUntil: new Date(now.getTime() + forMs) },
      });
    });
    if (settled) await this.#paging.showOutcome(settled, "acked");
    return silenced;
  }

  /** Links the alert to an incident the caller may see (checked by the command). */
  async link(origin: Origin, number: number, incident: Incident): Promise<Alert> {
    const alert = await this.find(number);
    await this.#requireMayAct(origin.actor, alert, "link");
    return this.#change(
      origin,
      alert,
      "alert.link",
      async (tx, current) => {
        if (current.incidentId === incident.id) {
          throw new UserError(`Alert #${number} is already linked to ${incident.publicId}.`, {
            code: "alert.already_linked",
          });
        }
        return tx.alert.update({ where: { id: current.id }, data: { incidentId: incident.id } });
      },
      { incidentId: incident.id, text: `alert #${number} linked by ${origin.actor.displayName}` },
    );
  }

  /**
   * Refuses whoever may not act on the alert, with the rule spelled out; the alert's page, if
   * it has one.
   */
  async requireMayAct(actor: Person, alert: Alert, verb: string): Promise<void> {
    await this.#requireMayAct(actor, alert, verb);
  }

  async #requireMayAct(actor: Person, alert: Alert, verb: string): Promise<Page | null> {
    const page = alert.pageId ? await this.#db.page.findUnique({ where: { id: alert.pageId } }) : null;
    if (page) {
      await this.#paging.requireMayRespond(actor, page, verb, `alert #${alert.number}`);
      return page;
    }
    const team = alert.teamId ? this.#directory.findTeam(alert.teamId) : undefined;
    if (team && !this.#directory.isMember(actor.id, team)) {
      throw new UserError(`Only members and leads of ${team.name} may ${verb} alert #${alert.number}.`, {
        code: "alert.not_yours",
      });
    }
    return null;
  }

  /** Locks the alert, applies the change and records it, in one transaction with the event's claim. */
  async #change(
    origin: Origin,
    alert: Alert,
    action: string,
    apply: (tx: DbTransaction, current: Alert, now: Date) => Promise<Alert>,
    timeline?: { incidentId: string; text: string },
  ): Promise<Alert> {
    const now = this.#clock.now();
    return this.#db.$transaction(async (tx) => {
      await claimEvent(tx, origin);
      const [current] = rows(
        alertRow,
        await tx.$queryRaw(sql`select * from "Alert" where id = ${alert.id} for update`),
      );
      if (!current) throw new UserError(`There is no alert #${alert.number}.`, { code: "alert.not_found" });
      const updated = await apply(tx, current, now);
      await recordActivity(tx, {
        actor: actorOf(origin),
        at: now,
        action,
        detail: { number: alert.number },
        timeline: timeline ? { ...timeline, kind: "alert" } : undefined,
      });
      return updated;
    });
  }

  /** A person acked or resolved the alert's page: the alert follows, in the same transaction. */
  async #followPage(
    tx: DbTransaction,
    page: Page,
    to: "acked" | "resolved",
    by: string,
    now: Date,
  ): Promise<void> {
    const [alert] = rows(
      alertRow,
      await tx.$queryRaw(sql`select * from "Alert" where "pageId" = ${page.id} for update`),
    );
    if (!alert || alert.status === "resolved") return;
    if (to === "acked" && alert.status === "firing") {
      await tx.alert.update({
        where: { id: alert.id },
        data: { status: "acked", ackedAt: now, ackedById: by },
      });
    } else if (to === "resolved") {
      await resolveRow(tx, alert.id, now, by);
      await this.#pages.enqueueResolved(tx, alert.id, now);
    }
  }

  #teamName(alert: Alert): string {
    if (!alert.teamId) return "";
    return this.#directory.findTeam(alert.teamId)?.name ?? alert.teamId;
  }
}

function resolveRow(tx: DbTransaction, id: string, now: Date, by: string | null): Promise<Alert> {
  return tx.alert.update({
    where: { id },
    data: { status: "resolved", openKey: null, resolvedAt: now, resolvedById: by },
  });
}

function alreadyResolved(alert: Alert): UserError {
  return new UserError(`Alert #${alert.number} is already resolved.`, { code: "alert.already_resolved" });
}
