// Declaring an incident: the event's claim, the year's next number, the incident, its first
// participant, its timeline and audit entries and the jobs the declared hooks schedule, in one
// statement on the driver (change-statements.ts); in a transaction only with an alert to attach.
import { randomUUID } from "node:crypto";
import { actorOf, type Origin } from "../activity/origin.ts";
import type { Clock } from "../clock.ts";
import type { Db, DbTransaction } from "../db/database.ts";
import { rows } from "../db/rows.ts";
import { sqlOf } from "../db/sql.ts";
import { sql } from "../db/statement.ts";
import type { Incident } from "../generated/prisma/client.ts";
import { declarationStatement, declaredRow } from "./change-statements.ts";
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
    const year = now.getUTCFullYear();
    const severity = input.severity ?? DEFAULT_SEVERITY;
    const rsitType = input.rsitType ?? null;
    const tlp = input.tlp ?? DEFAULT_INCIDENT_TLP;
    const text = `declared: ${formatSeverity(severity)}, ${describeRsitType(rsitType)}, ${formatTlp(storedTlp(tlp))}`;
    const draft: Omit<Incident, "publicId"> = {
      id: randomUUID(),
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
    const declaration = declarationStatement({
      origin,
      year,
      publicId: this.ids.formatInSql(year, sql`(select last from counter)`),
      incident: draft,
      activity: {
        actor: actorOf(origin),
        at: now,
        action: "incident.declared",
        detail: { title, severity },
        timeline: { incidentId: draft.id, kind: "declared", text, announcementPending: false },
      },
      jobs: this.#declaredHooks.flatMap((hook) => hook(draft, now, origin)),
    });
    const attach = input.attach;
    // Without work of the caller's own, the statement is the whole declaration (atomic on its
    // own: no BEGIN and COMMIT); an alert's attachment joins it in a transaction.
    const [found] = attach
      ? await this.#db.$transaction(async (tx) => {
          const written = rows(declaredRow, await tx.$queryRaw(declaration.statement));
          const publicId = written[0]?.publicId;
          if (publicId) await attach(tx, { ...draft, publicId });
          return written;
        })
      : await sqlOf(this.#db).rows(declaredRow, declaration.statement, { prepared: true });
    // A concurrent claim of the same key waited for the other declaration, then found it taken.
    if (!found?.publicId) throw new DuplicateEvent(origin.dedupeKey);
    const change: Change = {
      incident: { ...draft, publicId: found.publicId },
      rooms: [],
      text,
      kind: "declared",
      timelineEntryId: declaration.timelineEntryId,
    };
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
