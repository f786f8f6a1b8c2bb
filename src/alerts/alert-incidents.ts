// Declaring incidents from alerts, by a person (`/alert declare n`, the page's Declare button) or
// by an integration rule (`declare: {severity}`), through the normal declare path: the incident
// record with its timeline and audit, its room, and its team's page when the severity pages. The
// alert is attached in the declaration's own transaction, so an alert gets one incident.
//
// A rule's declaration is a durable job (`alert:<id>:declare`), and it claims the event
// `alert:<id>:declare` in the declaration's transaction: a replayed or re-run job declares nothing
// more, whatever happened in between.
import type { Logger } from "pino";
import type { z } from "zod";
import type { Origin } from "../activity/origin.ts";
import type { PlatformName } from "../chat/invocation.ts";
import type { DbTransaction } from "../db/database.ts";
import { rows } from "../db/rows.ts";
import { sql } from "../db/statement.ts";
import { UserError } from "../errors.ts";
import type { Alert, Incident, Page } from "../generated/prisma/client.ts";
import type { OpenedRoom } from "../incidents/incident-rooms.ts";
import { DuplicateEvent, MAX_TITLE_LENGTH } from "../incidents/incidents.ts";
import { SEVERITIES, type Severity } from "../incidents/lifecycle.ts";
import { parseRsitType } from "../incidents/taxonomy.ts";
import type { Job } from "../jobs/queue.ts";
import { ALERT_DECLARE_JOB, declareKey, declarePayload } from "./alert-jobs.ts";
import { alertTlp } from "./alert-messages.ts";
import type { AlertPages } from "./alert-pages.ts";
import { alertRow, labelsValue } from "./alert-rows.ts";
import type { AlertDeskDeps } from "./desk-deps.ts";

export { ALERT_DECLARE_JOB };

/** The reporter of incidents a rule declares: tocsin itself, a Person of its own. */
const TOCSIN_PERSON_ID = "00000000-0000-4000-8000-00000000a1e7";

export interface DeclaredFromAlert {
  incident: Incident;
  room?: OpenedRoom;
  page?: Page;
}

export interface AlertIncidentsOptions extends AlertDeskDeps {
  pages: AlertPages;
}

export class AlertIncidents {
  readonly #o: AlertIncidentsOptions;
  readonly #log: Logger;

  constructor(options: AlertIncidentsOptions) {
    this.#o = options;
    this.#log = options.log.child({ component: "alerts" });
    // Enqueued by the intake's batches (alert-jobs.ts), run here.
    options.jobs.define({
      kind: ALERT_DECLARE_JOB,
      payload: declarePayload,
      handler: (job) => this.#autoDeclare(job),
    });
  }

  /**
   * Declares an incident for the alert, pre-classified from it (severity, TLP, RSIT type, team),
   * opens its room on `platform` (inviting `invite`) and pages its team as a declaration does.
   */
  async declare(
    origin: Origin,
    alert: Alert,
    options: { severity?: number; invite?: string[] } = {},
  ): Promise<DeclaredFromAlert> {
    if (alert.incidentId) throw alreadyLinked(alert);
    const team = alert.teamId ? this.#o.directory.findTeam(alert.teamId) : undefined;
    const severity = asSeverity(options.severity ?? alert.severity);
    const title = `Alert #${alert.number}: ${alert.summary}`.replace(/\s+/g, " ").trim();
    const labels = Object.entries(labelsValue.parse(alert.labels))
      .map(([k, v]) => `${k}=${v}`)
      .join(", ");
    const change = await this.#o.incidents.declare(origin, {
      title: title.length > MAX_TITLE_LENGTH ? `${title.slice(0, MAX_TITLE_LENGTH - 1)}…` : title,
      severity,
      rsitType: alert.rsitType && parseRsitType(alert.rsitType) ? alert.rsitType : undefined,
      tlp: alertTlp(alert),
      teamId: team?.id,
      summary:
        `From alert #${alert.number} (${alert.source ?? alert.integrationId}).${labels ? ` Labels: ${labels}` : ""}`.slice(
          0,
          3000,
        ),
      attach: (tx, incident) => attach(tx, alert, incident),
    });
    const room = this.#o.outbox.runs(origin.platform)
      ? await this.#o.rooms.open(change.incident, origin.platform, options.invite ?? [])
      : undefined;
    const page = await this.#o.paging.pageDeclaredIncident(change.incident);
    return { incident: change.incident, room, page };
  }

  async #autoDeclare(job: Job<z.output<typeof declarePayload>>): Promise<void> {
    const alert = await this.#o.db.alert.findUnique({ where: { id: job.payload.alertId } });
    if (!alert || alert.incidentId || alert.status === "resolved") return;
    const platform = this.#platformFor(alert);
    if (!platform) {
      this.#log.warn({ alert: alert.number }, "alert's incident not declared: no chat platform runs");
      return;
    }
    const actor = await this.#o.db.person.upsert({
      where: { id: TOCSIN_PERSON_ID },
      create: { id: TOCSIN_PERSON_ID, displayName: "tocsin", createdAt: new Date(0) },
      update: {},
    });
    const origin: Origin = {
      actor,
      actorExternalId: "tocsin",
      platform,
      room: { roomId: `alert:${alert.number}` },
      correlationId: `alert-${alert.number}`,
      dedupeKey: declareKey(alert.id),
    };
    try {
      const declared = await this.declare(origin, alert, { severity: job.payload.severity });
      this.#log.info(
        { alert: alert.number, incident: declared.incident.publicId },
        "incident declared by a rule",
      );
    } catch (error) {
      // Declared before (a re-run after a crash), or by a person meanwhile: nothing more to do.
      if (
        error instanceof DuplicateEvent ||
        (error instanceof UserError && error.code === "alert.already_linked")
      )
        return;
      throw error;
    }
  }

  /** Where a rule's incident gets its room: the team's channel platform, else the first running. */
  #platformFor(alert: Alert): PlatformName | undefined {
    const team = alert.teamId ? this.#o.directory.findTeam(alert.teamId) : undefined;
    const teamPlatforms = Object.entries(team?.channels ?? {}).flatMap(([platform, channel]) =>
      channel !== undefined && this.#o.outbox.runs(platform) ? [platform] : [],
    );
    return teamPlatforms[0] ?? this.#o.outbox.platformNames[0];
  }
}

async function attach(tx: DbTransaction, alert: Alert, incident: Incident): Promise<void> {
  const [current] = rows(
    alertRow,
    await tx.$queryRaw(sql`select * from "Alert" where id = ${alert.id} for update`),
  );
  if (!current) throw new UserError(`There is no alert #${alert.number}.`, { code: "alert.not_found" });
  if (current.incidentId) throw alreadyLinked(current);
  await tx.alert.update({ where: { id: alert.id }, data: { incidentId: incident.id } });
}

function alreadyLinked(alert: Alert): UserError {
  return new UserError(
    `Alert #${alert.number} already has an incident; \`/alert show ${alert.number}\` names it.`,
    {
      code: "alert.already_linked",
    },
  );
}

function asSeverity(value: number): Severity {
  return SEVERITIES.find((s) => s === value) ?? 3;
}
