// Declaring an incident: the event's claim and the year's next number in one statement, then the
// incident, its first participant and its entries, and the declared hooks, in one transaction.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { actorOf, type Origin } from "../activity/origin.ts";
import type { Clock } from "../clock.ts";
import type { Db, DbTransaction } from "../db/database.ts";
import { rows } from "../db/rows.ts";
import type { Incident } from "../generated/prisma/client.ts";
import { createIncident } from "./change-statements.ts";
import {
  type Change,
  cleanTitle,
  DEFAULT_SEVERITY,
  type DeclaredHook,
  DuplicateEvent,
} from "./incident-change.ts";
import type { LastingFacts } from "./lasting-facts.ts";
import { formatSeverity, type Severity } from "./lifecycle.ts";
import type { IncidentIds } from "./public-id.ts";
import { describeRsitType } from "./taxonomy.ts";
import { DEFAULT_INCIDENT_TLP, formatTlp, storedTlp, type TlpLabel } from "./tlp.ts";

export interface DeclareInput {
  title: string;
  severity?: Severity;
  rsitType?: string;
  tlp?: TlpLabel;
  summary?: string;
  /** The on-call team that owns it (validated by the caller against the on-call configuration). */
  teamId?: string;
  /** Visible only to those who take part (always so for TLP:RED). */
  restricted?: boolean;
  /**
   * Work that belongs in the declaration's transaction (attaching the alert it was declared
   * from): a refusal thrown here declares nothing.
   */
  attach?: (tx: DbTransaction, incident: Incident) => Promise<void>;
}

export class IncidentDeclarations {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly ids: IncidentIds;
  readonly #declaredHooks: DeclaredHook[];
  readonly #facts: LastingFacts;

  constructor(deps: {
    db: Db;
    clock: Clock;
    ids: IncidentIds;
    declaredHooks: DeclaredHook[];
    facts: LastingFacts;
  }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.ids = deps.ids;
    this.#declaredHooks = deps.declaredHooks;
    this.#facts = deps.facts;
  }

  async declare(origin: Origin, input: DeclareInput): Promise<Change> {
    const title = cleanTitle(input.title);
    const now = this.#clock.now();
    const change = await this.#db.$transaction(async (tx) => {
      const year = now.getUTCFullYear();
      // The event's claim and the year's next number in one statement; no number without a claim.
      const [counter] = rows(
        z.object({ claimed: z.number().int(), last: z.number().int().nullable() }),
        await tx.$queryRaw`
          with claimed as (
            insert into "ProcessedEvent" (platform, key, "processedAt")
            values (${origin.platform}, ${origin.dedupeKey}, now())
            on conflict do nothing
            returning 1
          ), counter as (
            insert into "IncidentCounter" (year, last) select ${year}, 1 from claimed
            on conflict (year) do update set last = "IncidentCounter".last + 1
            returning last
          )
          select (select count(*) from claimed)::int as claimed, (select last from counter) as last`,
      );
      // A concurrent claim of the same key waited for the other transaction, then found it taken.
      if (!counter?.claimed || counter.last === null) throw new DuplicateEvent(origin.dedupeKey);
      const severity = input.severity ?? DEFAULT_SEVERITY;
      const rsitType = input.rsitType ?? null;
      const tlp = input.tlp ?? DEFAULT_INCIDENT_TLP;
      const text = `declared: ${formatSeverity(severity)}, ${describeRsitType(rsitType)}, ${formatTlp(storedTlp(tlp))}`;
      const incident: Incident = {
        id: randomUUID(),
        publicId: this.ids.format(year, counter.last),
        title,
        summary: input.summary?.trim() ?? "",
        status: "triage",
        severity,
        rsitType,
        tlp,
        restricted: input.tlp === "red" || (input.restricted ?? false),
        resolution: null,
        mergedIntoId: null,
        teamId: input.teamId ?? null,
        reporterId: origin.actor.id,
        declaredAt: now,
        investigatingAt: null,
        containedAt: null,
        eradicatedAt: null,
        recoveredAt: null,
        closedAt: null,
        updatedAt: now,
      };
      // A declaration is announced by opening its room, not by a line in it.
      const timelineEntryId = await createIncident(tx, incident, {
        actor: actorOf(origin),
        at: now,
        action: "incident.declared",
        detail: { title, severity },
        timeline: { incidentId: incident.id, kind: "declared", text, announcementPending: false },
      });
      await input.attach?.(tx, incident);
      for (const hook of this.#declaredHooks) await hook(tx, incident, now, origin);
      const declared: Change = { incident, rooms: [], text, kind: "declared", timelineEntryId };
      return declared;
    });
    // The reporter takes part for good; what the room's summary shows needs no reading back.
    this.#facts.tookPart(change.incident.id, origin.actor.id);
    change.details = {
      ...change.incident,
      reporter: origin.actor,
      roles: [],
      participants: [{ person: origin.actor }],
      tasks: [],
    };
    return change;
  }
}
